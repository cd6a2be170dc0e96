"""gunicorn's settings for the web processes (the Procfile names this module; the command
line's flags still apply)."""

from __future__ import annotations

import gc
from typing import Any


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
