"""The Celery application. The broker only carries wake-ups; the database is the truth."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.config.settings.dev")

app = Celery("keepflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _database_connection_checked(**_: Any) -> None:
    """Like a web request: drop a connection that is broken or older than CONN_MAX_AGE,
    keep a healthy one (settings CELERY_DB_REUSE_MAX keeps Celery from closing it)."""
    from django.db import close_old_connections

    close_old_connections()
