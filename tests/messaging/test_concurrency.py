"""Two workflows queueing for one customer at the same moment cannot both take the last
slot of the frequency cap: queueing holds a per-customer lock (real PostgreSQL, two
connections)."""

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from apps.messaging.models import Message
from apps.messaging.services import message_queue
from tests.messaging.conftest import NOW


@pytest.mark.django_db(transaction=True)
def test_concurrent_queueing_respects_the_cap(make_customer, settings) -> None:
    settings.KEEPFLOW_FREQUENCY_CAPS = {"sms": {"count": 1, "days": 7}}
    customer = make_customer()
    barrier = threading.Barrier(2)
    results: list[dict[str, Any]] = []

    def workflow(number: int) -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                results.append(message_queue(customer=customer, channel="sms", body="Hi",
                                             idempotency_key=f"run:{number}:a1:1", now=NOW,
                                             workflow_id=number))
        finally:
            connection.close()

    threads = [threading.Thread(target=workflow, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted((r["status"], r["reason"]) for r in results) == [
        ("queued", None), ("suppressed", "frequency_cap")]
    assert Message.objects.count() == 2
