"""The outbox through a real Celery worker on Redis and the real SDKs against the fake
provider: queued inside the caller's transaction, delivered after commit, retried with
backoff, reconciled, and deferred messages released by the periodic dispatcher."""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction
from django.utils import timezone

from apps.config.celery import app
from apps.customers.models import Customer
from apps.messaging import tasks
from apps.messaging.models import Message
from apps.messaging.services import message_queue
from tests.broker import broker_purge

TIMEOUT = 30.0
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _status(message_id: int) -> str:
    return Message.objects.get(pk=message_id).status


def _midday_zone() -> str:
    """A fixed-offset zone where it is about 13:00 now: outside any quiet hours."""
    offset = (13 - timezone.now().hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@pytest.fixture
def customer(make_customer: Callable[..., Customer]) -> Customer:
    return make_customer(consent_at=timezone.now() - timedelta(days=1),
                         timezone=_midday_zone())


def _queue(customer: Customer, channel: str, key: str, **kwargs: Any) -> int:
    with transaction.atomic():  # as the engine does: inside its step transaction
        result = message_queue(customer=customer, channel=channel, body="Sorry!",
                               subject="Sorry", idempotency_key=key, **kwargs)
        assert result["status"] == "queued"
        assert not Message.objects.filter(pk=result["message_id"], attempts__gt=0).exists()
    return result["message_id"]


def test_provider_500_then_200_sends_exactly_once_on_a_worker(customer, fake_provider) -> None:
    fake_provider.script("sendgrid", 500)
    fake_provider.script("messages", 429)
    broker_purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        email = _queue(customer, "email", "w:1")
        sms = _queue(customer, "sms", "w:2")
        _wait_for(lambda: _status(email) == "sent" and _status(sms) == "sent", "both sent")
    assert [r.answered for r in fake_provider.recorded("sendgrid")] == [500, "ok"]
    assert [r.answered for r in fake_provider.recorded("messages")] == [429, "ok"]
    assert list(Message.objects.order_by("pk").values_list("attempts", flat=True)) == [2, 2]


def test_unknown_outcome_is_reconciled_on_a_worker(customer, fake_provider, settings) -> None:
    settings.KEEPFLOW_MESSAGE_RECONCILE_DELAY_SECONDS = 0.1
    fake_provider.script("messages", "drop_after_create")
    broker_purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        sms = _queue(customer, "sms", "w:3")
        _wait_for(lambda: _status(sms) == "sent", "reconciled as sent")
    methods = [r.method for r in fake_provider.recorded("messages")]
    assert methods == ["POST", "GET"]  # created once, then looked up: never sent twice
    assert Message.objects.get().provider_message_id == fake_provider.twilio_messages[0]["sid"]


def test_deferred_message_is_sent_by_the_periodic_dispatcher(customer, fake_provider,
                                                             settings) -> None:
    # Given an SMS deferred by quiet hours last night in the customer's zone
    night = timezone.now() - timedelta(hours=10)  # about 03:00 there
    result = message_queue(customer=customer, channel="sms", body="Good morning",
                           idempotency_key="w:4", now=night)
    assert result["status"] == "deferred"
    assert Message.objects.get().next_attempt_at < timezone.now()
    broker_purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        # When the beat's task runs, the message is released and sent
        tasks.messages_dispatch_due.delay()
        _wait_for(lambda: _status(result["message_id"]) == "sent", "sent after the night")
    assert [r.form()["Body"] for r in fake_provider.recorded("messages")] == ["Good morning"]


def test_the_beat_schedule_runs_the_dispatcher(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["messages-dispatch-due"]
    assert entry["task"] == tasks.messages_dispatch_due.name
