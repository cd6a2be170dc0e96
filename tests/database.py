"""The test process's PostgreSQL connection, seen from outside."""

import psycopg
from django.db import connection


def backend_kill() -> int:
    """End the server process behind this thread's connection, as a restart or an idle
    timeout would, and wait (up to 5 s) until it is gone; returns its pid."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items()
                            if k in ("host", "port", "user", "password", "dbname")},
                         autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    return pid
