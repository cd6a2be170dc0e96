#!/usr/bin/env bash
# The whole suite, in parallel over the machine's cores (pytest-xdist).
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pytest -n "${PYTEST_WORKERS:-auto}" "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests." >&2
fi
exit "$status"
