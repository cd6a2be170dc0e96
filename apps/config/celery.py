"""The Celery application. The broker only carries wake-ups; the database is the truth."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.config.settings.dev")

app = Celery("keepflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
