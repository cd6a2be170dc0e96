#!/usr/bin/env bash
# The whole suite, in parallel over the machine's cores (pytest-xdist).
set -uo pipefail
cd "$(dirname "$0")/.."
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
