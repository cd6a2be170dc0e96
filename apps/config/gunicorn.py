"""gunicorn's settings for the web processes (the Procfile names this module; the command
line's flags still apply)."""

from __future__ import annotations

import gc
import os
from typing import Any

# Seconds an idle kept-alive connection stays open. A client refused with 429 while events
# back up waits as Retry-After says (KEEPFLOW_EVENTS_BACKLOG_RETRY_SECONDS, 2) before its
# next call; with gunicorn's default of 2 s that call often met a connection closed a
# moment before (wrk counted a read error after one pause in ten, docs/benchmarks.md).
# Idle connections cost the gthread worker a poller entry, not a thread.
keepalive = int(os.environ.get("KEEPFLOW_EVENTS_BACKLOG_RETRY_SECONDS", "2")) + 3


def post_worker_init(worker: Any) -> None:
    """Move what a web process holds once its application is loaded (Django, the apps,
    every view and serializer the URLconf imports: some 200,000 objects) out of the
    garbage collector's sight; they live as long as the process. A full collection walked
    them all and held all six threads of the process for 100-300 ms, which made most of
    the single-event p99 (docs/benchmarks.md). Celery's pool processes do the same
    (apps/config/celery.py)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the views now, before the freeze
    gc.freeze()
