#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis that the tests use are up: start them where they are
# installed but stopped, say clearly what is missing otherwise.
set -uo pipefail

pg_url_host=${PGHOST:-127.0.0.1}
pg_port=${PGPORT:-5432}
redis_host=${REDIS_HOST:-127.0.0.1}
redis_port=${REDIS_PORT:-6379}

pg_up() { pg_isready -q -h "$pg_url_host" -p "$pg_port" 2>/dev/null; }
redis_up() { (exec 3<>"/dev/tcp/$redis_host/$redis_port" && printf 'PING\r\n' >&3 && head -c5 <&3 | grep -q PONG) 2>/dev/null; }

if ! command -v pg_isready >/dev/null; then
  echo "PostgreSQL client tools are not installed: install PostgreSQL 14+ (apt-get install postgresql) or set TEST_DATABASE_URL to a running server." >&2
  exit 1
fi
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is stopped: starting it."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 30); do pg_up && break; sleep 1; done
  fi
  pg_up || { echo "PostgreSQL is not reachable on $pg_url_host:$pg_port and could not be started." >&2; exit 1; }
fi

if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "Redis is stopped: starting it."
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >/dev/null
    for _ in $(seq 30); do redis_up && break; sleep 0.5; done
  fi
  redis_up || { echo "Redis is not reachable on $redis_host:$redis_port and redis-server is not installed (apt-get install redis-server)." >&2; exit 1; }
fi
echo "PostgreSQL and Redis are up."
