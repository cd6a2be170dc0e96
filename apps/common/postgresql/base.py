"""Django's PostgreSQL backend, with CONN_HEALTH_CHECKS paid once a second per connection
instead of once per request or task, and psycopg's prepared statements on.

Why (issue 17): with health checks on, Django sends `SELECT 1` before the first query of
every request and every Celery task on a kept connection. For a one-event POST that is a
second round trip next to the insert: switched off, single events went from 267-275 to
327-357 runs/s on the 2-core benchmark machine (bench/http_ways.py, interleaved runs).
A connection checked or opened less than CHECK_EVERY_SECONDS ago is taken as healthy,
as PgBouncer keeps a released server connection without a check for its
server_check_delay (30 s by default). Should the server have gone away in between, the
first query fails: the API answers 503 with Retry-After (apps/common/errors.py) and
Django closes the broken connection at the end of the request, as it always did.

Prepared statements: Django opens psycopg connections with `prepare_threshold=None`,
which turns them off even for a statement executed with `prepare=True`. The hot paths'
hand-written statements ask for it (the one-statement ingest, the webhook's trigger
lookup): planned once per kept connection, the ingest statement's planning (0.25 ms of
PostgreSQL CPU on every call, about as much as its execution) goes. Django's own cursors
bind on the client and are never prepared, so nothing else changes. (Through a
PgBouncer: session pooling, or its prepared-statement support, 1.21 or later.)"""

from __future__ import annotations

import math
import time
from typing import Any, cast

from django.db.backends.postgresql import base

CHECK_EVERY_SECONDS = 1.0
PREPARE_THRESHOLD = 5  # psycopg's own default: only its server-binding cursors count


class DatabaseWrapper(base.DatabaseWrapper):
    checked_at = -math.inf  # time.monotonic() of the last check (or the connect)

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if "prepare_threshold" not in self.settings_dict["OPTIONS"]:
            params["prepare_threshold"] = PREPARE_THRESHOLD
        return params

    def connect(self) -> None:
        super().connect()
        self.checked_at = time.monotonic()

    def close_if_health_check_failed(self) -> None:
        state = cast(Any, self)  # django-stubs lack the health-check attributes
        due = (self.connection is not None and state.health_check_enabled
               and not state.health_check_done)
        if due and time.monotonic() - self.checked_at < CHECK_EVERY_SECONDS:
            state.health_check_done = True
            return
        super().close_if_health_check_failed()
        if due and self.connection is not None:
            self.checked_at = time.monotonic()
