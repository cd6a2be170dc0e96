"""A simulated campaign on a real Celery worker: 4,000 customers enter a texting workflow
with a 20 % control group through the events API's path; the held-out customers get
nothing; afterwards 10 % of the control group and 16 % of the treated order (a true lift
of 6 points, each order worth 40), and the report recovers the lift and the value added
inside its intervals and calls it a lift.

The orders are placed in exact shares (a seeded choice of which customers order), so the
true effect is known exactly and the test does not fail 1 time in 20 as a random draw
would; the coverage of the interval over random draws is tested in test_stats_coverage."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import close_old_connections
from django.utils import timezone

from apps.config.celery import app
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer
from apps.engine.models import ACTIVE_STATES, Run
from apps.messaging.models import Message
from tests.broker import broker_purge
from tests.workflows.graphs import edge, graph, node, trigger

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 4_000
CONTROL_RATE, TREATED_RATE, ORDER_VALUE = 0.10, 0.16, 40
GRANTED = {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"}
CAMPAIGN = graph(
    trigger(event_type="contract.ending"),
    node("e1", "action.send_email", {"subject": "Stay with us",
                                     "body": "Hi {{ customer.first_name }}",
                                     "category": "transactional"}),
    edges=[edge("t1", "e1")])


@pytest.fixture
def worker() -> Iterator[None]:
    broker_purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


def wait_until(check, what: str, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        close_old_connections()
        if check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def ingest_all(events: list[EventIn]) -> None:
    for start in range(0, len(events), 500):
        events_ingest(events[start:start + 500])


def test_a_known_lift_is_recovered_inside_its_interval(publish, worker, client_as) -> None:
    # Given a published texting workflow with a 20 % control group and a goal
    workflow = publish(CAMPAIGN, settings={
        "control_percent": 20, "re_entry": {"policy": "once"},
        "goal": {"event_type": "order.completed", "value_property": "amount",
                 "within_days": 30}})
    Customer.objects.bulk_create(
        Customer(external_id=f"k{i:05d}", first_name="Kim", email=f"k{i}@example.com",
                 consent={"email": GRANTED}) for i in range(CUSTOMERS))

    # When every customer's contract comes to its end (events through the worker)
    ingest_all([EventIn(customer_external_id=f"k{i:05d}", type="contract.ending")
                for i in range(CUSTOMERS)])
    wait_until(lambda: Run.objects.count() == CUSTOMERS
               and not Run.objects.filter(state__in=ACTIVE_STATES).exists(),
               "every customer's run to end")

    # then about a fifth were held out, and none of them was sent anything
    runs = list(Run.objects.values_list("customer_id", "holdout", "customer__external_id"))
    held = sorted(ext for _, holdout, ext in runs if holdout == "entry")
    treated = sorted(ext for _, holdout, ext in runs if holdout == "")
    assert 0.18 < len(held) / CUSTOMERS < 0.22
    messaged = set(Message.objects.values_list("customer__external_id", flat=True))
    assert messaged == set(treated)

    # When the treated order more often than the held out (exact shares, seeded choice)
    rng = random.Random(20)
    buyers = rng.sample(held, round(CONTROL_RATE * len(held))) + \
        rng.sample(treated, round(TREATED_RATE * len(treated)))
    ingest_all([EventIn(customer_external_id=ext, type="order.completed",
                        properties={"amount": ORDER_VALUE}, occurred_at=timezone.now())
                for ext in buyers])

    # then the report finds the true lift inside its interval, and calls it a lift
    body = client_as("viewer").get(f"/api/v1/workflows/{workflow.pk}/report").json()
    groups = body["groups"]
    assert (groups["treatment"]["customers"], groups["control"]["customers"]) == (
        len(treated), len(held))
    assert groups["control"]["held_out_at_entry"] == len(held)
    true_lift = round(TREATED_RATE * len(treated)) / len(treated) \
        - round(CONTROL_RATE * len(held)) / len(held)
    assert abs(true_lift - 0.06) < 0.002
    ci = body["lift"]["absolute_ci"]
    assert ci["low"] < true_lift < ci["high"]
    assert ci["low"] > 0 and ci["high"] - ci["low"] < 0.08
    assert body["lift"]["p_value"] < 0.001 and body["lift"]["test"] == "z_test"
    assert body["verdict"]["kind"] == "lift"
    # (6.0 pp or, with other customer ids and so other group sizes, 6.1)
    assert body["verdict"]["text"].startswith(
        f"lifts conversions by {true_lift * 100:.1f} pp (95 % CI ")
    # and the value added: 6 points x 40 per treated customer
    value = body["value"]
    true_value = true_lift * ORDER_VALUE * len(treated)
    assert value["incremental"] == pytest.approx(true_value)
    assert value["incremental_ci"]["low"] < true_value < value["incremental_ci"]["high"]
    assert value["incremental_ci"]["low"] > 0
