"""The Celery application. The broker only carries wake-ups; the database is the truth."""

import gc
import os
from typing import Any

from celery import Celery
from celery.signals import task_prerun, worker_process_init

from apps.config.broker import transport_for

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.config.settings.dev")

app = Celery("keepflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _broker_transport_chosen(source: Any, **_: Any) -> None:
    """For a Redis broker, Keepflow's transport (apps/config/broker.py), whichever
    settings module named the URL; other brokers keep the one their URL names."""
    if not source.broker_transport:
        source.broker_transport = transport_for(source.broker_url)


@task_prerun.connect
def _database_connection_checked(**_: Any) -> None:
    """Like a web request: drop a connection that is broken or older than CONN_MAX_AGE,
    keep a healthy one (settings CELERY_DB_REUSE_MAX keeps Celery from closing it)."""
    from django.db import close_old_connections

    close_old_connections()


@worker_process_init.connect
def _startup_objects_frozen(**_: Any) -> None:
    """Move what the pool process holds at start (Django, Celery, the apps: some 130,000
    objects) out of the garbage collector's sight. A full collection walked all of them
    and paused a task for about 100 ms every forty or so event batches; they live as long
    as the process anyway (docs/benchmarks.md)."""
    gc.freeze()
