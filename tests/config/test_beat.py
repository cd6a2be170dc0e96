"""Every beat entry names a task the workers know: a renamed or moved task must take its
schedule along (a beat entry naming an unknown task is dropped by every worker)."""

import pytest
from django.conf import settings

from apps.config.celery import app


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_the_beat_names_a_registered_task(entry: str) -> None:
    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in app.tasks


def test_the_events_redispatch_runs_every_30_seconds() -> None:
    from apps.handoff.tasks import events_redispatch

    assert settings.CELERY_BEAT_SCHEDULE["events-redispatch"] == {
        "task": events_redispatch.name, "schedule": 30.0}
    assert events_redispatch.name == "handoff.events_redispatch"
