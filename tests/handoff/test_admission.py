"""Admission control (apps/handoff/admission.py): while more events than the limit wait in
the real ready list, every way in answers 429 with Retry-After and stores nothing; reading
stays open, and once the workers catch up the same request is accepted."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterator

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.services import api_key_create
from apps.customers.models import Event
from apps.handoff import admission, ready
from apps.workflows.models import Workflow
from apps.workflows.services import workflow_create, workflow_publish
from tests.broker import broker_purge
from tests.workflows.graphs import edge, graph, node

pytestmark = pytest.mark.django_db

EVENT = {"customer_id": "c-1", "type": "feedback.submitted", "properties": {"score": 2}}


@pytest.fixture(autouse=True)
def small_limit(settings, monkeypatch) -> Iterator[None]:
    """A limit of 50 events, the backlog asked again on every request, an empty broker."""
    settings.KEEPFLOW_EVENTS_BACKLOG_LIMIT = 50
    settings.KEEPFLOW_EVENTS_BACKLOG_RETRY_SECONDS = 3
    monkeypatch.setattr(admission, "FRESH_SECONDS", 0.0)
    monkeypatch.setattr(admission, "_last_seen", (0, -math.inf))
    broker_purge()
    yield
    broker_purge()


@pytest.fixture
def api() -> APIClient:
    _, raw = api_key_create(name="crm", scopes=["events:write", "read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def write_key() -> str:
    return api_key_create(name="segment", scopes=["events:write"])[1]


@pytest.fixture
def hooked() -> Workflow:
    user = User.objects.create_user(username="pub", password="pw", role="publisher")
    workflow, result = workflow_create(name="hook", user=user, settings={}, graph=graph(
        node("h1", "trigger.webhook", {"event_type": "survey.answered",
                                       "field_mapping": {"customer_id": "$.id"}}),
        node("x", "flow.exit", {}), edges=[edge("h1", "x")]))
    assert not result.errors, result.errors
    return workflow_publish(workflow.pk, user=user)


def backlog(n: int) -> None:
    """n events waiting for a worker (no worker runs here)."""
    assert ready.events_ready_push(list(range(1, n + 1)))


def catch_up() -> None:
    while ready.events_ready_take():
        pass


def test_over_the_limit_every_way_in_answers_429_and_stores_nothing(api, write_key, hooked):
    backlog(51)
    answers = {
        "events": api.post("/api/v1/events", EVENT, format="json"),
        "batch": api.post("/api/v1/events", {"events": [EVENT]}, format="json"),
        "webhook": Client().post(f"/hooks/workflows/{hooked.pk}/{hooked.webhook_secret}",
                                 json.dumps({"id": "c-2"}), content_type="application/json"),
        "track": Client().post("/v1/track", json.dumps(
            {"userId": "c-3", "event": "login", "messageId": "m-1"}),
            content_type="application/json",
            HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{write_key}:".encode()).decode()),
    }
    for way, answer in answers.items():
        assert answer.status_code == 429, (way, answer.content)
        assert answer["Retry-After"] == "3", way
        assert "51 events are waiting" in answer.json()["detail"], way
    assert answers["events"].json() == {
        "detail": "Keepflow is behind: 51 events are waiting to be handled. Nothing from "
                  "this request was stored; send it again in 3 seconds.", "errors": []}
    assert answers["track"].json()["success"] is False  # what the Segment SDKs read
    assert not Event.objects.exists()
    assert api.get("/api/v1/events").status_code == 200  # reading is never refused


def test_once_the_workers_catch_up_the_same_request_is_accepted(api):
    backlog(60)
    assert api.post("/api/v1/events", EVENT, format="json").status_code == 429
    catch_up()
    answer = api.post("/api/v1/events", EVENT, format="json")
    assert answer.status_code == 202, answer.content
    assert Event.objects.count() == 1


def test_at_the_limit_and_without_a_limit_events_are_accepted(api, settings):
    backlog(50)  # the limit is "more than"
    assert api.post("/api/v1/events", EVENT, format="json").status_code == 202
    settings.KEEPFLOW_EVENTS_BACKLOG_LIMIT = 0
    backlog(500)
    assert api.post("/api/v1/events", {**EVENT, "idempotency_key": "k2"},
                    format="json").status_code == 202


def test_the_push_tells_each_process_the_backlog_without_asking_again(monkeypatch, settings):
    """Under load no request pays a call of its own: each hand-off's push answers the
    list's length."""
    monkeypatch.setattr(admission, "FRESH_SECONDS", 60.0)
    backlog(70)
    monkeypatch.setattr(ready, "events_ready_length", lambda: pytest.fail("asked again"))
    assert admission.backlog_over_limit() == 70


def test_the_answer_speaks_the_callers_language(api):
    backlog(1234)
    answer = api.post("/api/v1/events", EVENT, format="json", HTTP_ACCEPT_LANGUAGE="de")
    assert answer.status_code == 429
    assert "1.234" in answer.json()["detail"]
    assert answer.json()["detail"].startswith("Keepflow ist im Rückstand: 1.234 Ereignisse")
    assert answer["Retry-After"] == "3"
