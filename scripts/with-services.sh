#!/usr/bin/env bash
# Runs a command with the PostgreSQL and Redis the tests use (TEST_DATABASE_URL,
# TEST_REDIS_URL): the machine's services where they answer or can be started, embedded
# ones (from their wheels, data under var/) where not; those are stopped afterwards.
set -uo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/keepflow}
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
ready=var/services.ready
mkdir -p var
rm -f "$ready"
.venv/bin/python -m apps.config.embedded services --database-url "$TEST_DATABASE_URL" \
  --redis-url "$TEST_REDIS_URL" --ready-file "$ready" &
holder=$!
trap 'kill -TERM "$holder" 2>/dev/null; wait "$holder" 2>/dev/null' EXIT
while [ ! -f "$ready" ]; do
  if ! kill -0 "$holder" 2>/dev/null; then
    echo "PostgreSQL and Redis could not be started (see above)." >&2
    exit 1
  fi
  sleep 0.2
done
echo "PostgreSQL and Redis are up."
"$@"
