"""A churn-score crossing starts a run of a published churn-risk workflow on a real Celery
worker: the nightly fit's churn_score.crossed events go through the ordinary ingest path."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from celery.contrib.testing.worker import start_worker

from apps.config.celery import app
from apps.customers.models import Event
from apps.engine.models import Run, RunState
from apps.insights.services import churn_fit
from tests.broker import broker_purge
from tests.insights.conftest import purchases_store, simulated_purchases
from tests.workflows.graphs import edge, graph, node

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
END = date(2026, 6, 30)
TIMEOUT = 60.0


@pytest.fixture
def worker() -> Iterator[None]:
    broker_purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


def test_a_crossing_starts_a_published_churn_risk_workflow(publish, worker, settings) -> None:
    # Given scored customers and a published workflow on rising churn scores
    settings.KEEPFLOW_INSIGHTS = {**settings.KEEPFLOW_INSIGHTS, "CHURN_SCORE_THRESHOLD": 0.5}
    purchases_store(simulated_purchases(300, seed=11, end=END))
    churn_fit(END)
    publish(graph(
        node("t1", "trigger.event", {"event_type": "churn_score.crossed", "condition": {"all": [
            {"field": "event.properties.measure", "op": "eq", "value": "churn_score"},
            {"field": "event.properties.direction", "op": "eq", "value": "up"}]}}),
        node("a", "action.update_customer", {"add_tags": ["churn-risk"]}),
        edges=[edge("t1", "a")]))

    # When the next fit, 120 quiet days later, moves scores over the threshold
    churn_fit(END + timedelta(days=120))

    # Then each customer who crossed upwards has a completed run that tagged them
    rising = Event.objects.filter(type="churn_score.crossed", properties__measure="churn_score",
                                  properties__direction="up")
    expected = sorted(rising.values_list("customer__external_id", flat=True))
    assert expected
    deadline = time.monotonic() + TIMEOUT
    while Run.objects.filter(state=RunState.COMPLETED).count() < len(expected):
        assert time.monotonic() < deadline, "timed out waiting for the runs"
        time.sleep(0.1)
    runs = Run.objects.select_related("customer", "trigger_event")
    assert sorted(r.customer.external_id for r in runs) == expected
    for run in runs:
        assert run.state == RunState.COMPLETED
        assert run.customer.tags == ["churn-risk"]
        assert run.trigger_event.type == "churn_score.crossed"
