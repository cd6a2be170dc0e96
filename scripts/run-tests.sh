#!/usr/bin/env bash
# The whole suite, in parallel over the machine's cores (pytest-xdist), against the
# PostgreSQL and Redis that scripts/with-services.sh provides.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${KEEPFLOW_SERVICES_HELD:-}" ]; then
  KEEPFLOW_SERVICES_HELD=1 exec scripts/with-services.sh "$0" "$@"
fi
# Models and migrations agree (it reads the database's migration history).
DJANGO_SETTINGS_MODULE=apps.config.settings.test \
  .venv/bin/python manage.py makemigrations --check --dry-run || exit 1
# The front end's unit tests (Vitest) first, so that pytest's summary closes the output.
frontend_status=0
if [ -d frontend/node_modules ]; then
  (cd frontend && npm test --silent) || frontend_status=1
else
  echo "frontend/node_modules is missing: front-end unit tests not run (make frontend)." >&2
fi
.venv/bin/pytest -n "${PYTEST_WORKERS:-auto}" "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests." >&2
fi
[ "$status" -eq 0 ] && [ "$frontend_status" -ne 0 ] && status=1
exit "$status"
