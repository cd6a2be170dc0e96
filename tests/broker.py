"""The test process's broker, emptied: Celery's queues and the events' ready list."""

import redis
from django.conf import settings

from apps.config.celery import app
from apps.handoff import ready


def broker_purge() -> None:
    """`app.control.purge()` drops queued drains but not the flag that says one is queued,
    which would hold the next events back until it expires; both go here."""
    app.control.purge()
    prefix = (settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}).get("global_keyprefix", "")
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(
        *(prefix + key for key in (ready.READY_KEY, ready.QUEUED_KEY, ready.WAITING_KEY,
                                   ready.CLAIMS_KEY, ready.CURSOR_KEY)))
