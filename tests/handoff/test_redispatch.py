"""The redispatch hands on only what was lost (apps/handoff/ready.py, tasks.py): events
waiting behind a backlog or claimed by a live drain are left alone; a share whose drain
died (its claim expired) and what Redis forgot are handed on again, once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import EventPending
from apps.handoff import ready, tasks
from tests.broker import broker_purge

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_broker() -> Iterator[None]:
    broker_purge()
    yield
    broker_purge()


@pytest.fixture
def stored(django_capture_on_commit_callbacks):
    """Ingest n events, handed on to the ready list as after a real commit."""

    def store(n: int, prefix: str = "e") -> list[int]:
        with django_capture_on_commit_callbacks(execute=True):
            results = events_ingest([EventIn(f"c{i % 7}", "login", idempotency_key=f"{prefix}{i}")
                                     for i in range(n)])
        return sorted(r.event_id for r in results)

    return store


def key(name: str) -> str:
    return settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] + name


def client() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def listed() -> list[int]:
    return [int(i) for i in client().lrange(key(ready.READY_KEY), 0, -1)]


def age_pending(minutes: int = 5) -> None:
    """Older than the redispatch threshold (60 s), as under a backlog of minutes."""
    EventPending.objects.update(handed_on_at=timezone.now() - timedelta(minutes=minutes))


def test_a_backlog_still_waiting_in_the_list_is_not_sent_again(stored):
    ids = stored(30)
    age_pending()

    assert tasks.events_redispatch() == 0
    assert sorted(listed()) == ids  # each once, nothing appended


def test_a_share_under_a_live_claim_is_not_sent_again(stored):
    ids = stored(40)
    share = ready.events_ready_take()  # a drain at work on it
    age_pending()

    assert tasks.events_redispatch() == 0
    assert sorted(share + listed()) == ids


def test_a_share_whose_drain_died_is_sent_again_once(stored, settings):
    settings.KEEPFLOW_EVENT_LEASE_SECONDS = 1
    ids = stored(40)
    share = ready.events_ready_take()  # its worker is killed: never renewed nor released
    rest = listed()
    age_pending()
    time.sleep(1.1)  # the lease runs out

    assert tasks.events_redispatch() == len(share) == 20
    assert listed() == rest + share
    age_pending()
    assert tasks.events_redispatch() == 0  # waiting in the list again: not lost
    assert sorted(listed()) == ids


def test_a_renewed_claim_outlives_its_first_lease(stored, settings):
    settings.KEEPFLOW_EVENT_LEASE_SECONDS = 1
    stored(40)
    share = ready.events_ready_take()
    age_pending()
    time.sleep(0.6)
    ready.events_ready_renew(share)
    time.sleep(0.6)  # past the first lease, within the renewed one

    assert tasks.events_redispatch() == 0


def test_a_drain_releases_its_claims_and_leaves_nothing_to_redispatch(stored):
    stored(30)
    tasks.events_drain()
    tasks.events_drain()

    assert not EventPending.objects.exists()
    assert client().zcard(key(ready.CLAIMS_KEY)) == 0
    assert client().scard(key(ready.WAITING_KEY)) == 0


def test_what_redis_forgot_is_sent_again(stored):
    ids = stored(25)
    client().delete(*(key(name) for name in (ready.READY_KEY, ready.WAITING_KEY,
                                              ready.CLAIMS_KEY)))  # restarted, no persistence
    age_pending()

    assert tasks.events_redispatch() == 25
    assert sorted(listed()) == ids
    assert EventPending.objects.filter(handed_on_at__gt=timezone.now() - timedelta(minutes=1)) \
        .count() == 25


def test_a_long_backlog_is_checked_in_pages_over_several_runs(stored, monkeypatch):
    monkeypatch.setattr(tasks, "REDISPATCH_PAGE", 2)
    monkeypatch.setattr(tasks, "REDISPATCH_SCAN", 4)
    ids = stored(5)
    client().delete(key(ready.READY_KEY), key(ready.WAITING_KEY))
    age_pending()

    assert [tasks.events_redispatch() for _ in range(3)] == [4, 1, 0]
    assert sorted(listed()) == ids
