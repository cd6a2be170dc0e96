"""POST /workflows/{id}/dry-run: the graph followed on real data, effects recorded, nothing
stored or sent."""

from __future__ import annotations

import pytest

from apps.engine.models import Run, Step
from apps.messaging.models import Message
from apps.tasks.models import Task
from apps.workflows.services import workflow_create
from tests.engine.runs_helpers import NEEDS_N
from tests.workflows.graphs import LOW_SCORE, edge, filter_, graph, node, sms, trigger, wait

pytestmark = pytest.mark.django_db

APOLOGY = graph(trigger(condition=LOW_SCORE), filter_("f1", {"all": [
    {"field": "customer.attributes.plan", "op": "eq", "value": "pro"}]}),
    sms("a1", "Sorry {{ customer.first_name }}!"), wait("w1", "2d"),
    node("task", "action.create_task", {"kind": "call_back", "queue": "retention",
                                        "title": "Call {{ customer.first_name }}",
                                        "due_in": "1d"}),
    edges=[edge("t1", "f1"), edge("f1", "a1", "yes"), edge("a1", "w1"), edge("w1", "task")])


@pytest.fixture
def composer(client_as):
    return client_as("composer")


@pytest.fixture
def draft(publisher_user):
    workflow, result = workflow_create(name="apology", graph=APOLOGY, user=publisher_user)
    assert not result.errors, result.errors
    return workflow


def dry_run(client, workflow_id: int, body: dict) -> dict:
    response = client.post(f"/api/v1/workflows/{workflow_id}/dry-run", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_dry_run_follows_real_data_and_stores_nothing(composer, draft, customer) -> None:
    customer.attributes = {"plan": "pro"}
    customer.save()
    body = dry_run(composer, draft.pk, {
        "customer_id": "c1", "event": {"type": "feedback.submitted",
                                       "properties": {"score": 2}}})
    assert body["outcome"] == "completed" and body["error"] is None
    assert body["path"] == ["t1", "f1", "a1", "w1", "task"]
    assert [(s["node"], s["port"]) for s in body["steps"]] == [
        ("t1", "out"), ("f1", "yes"), ("a1", "out"), ("w1", "out"), ("task", "out")]
    assert [(e["type"], e["node"]) for e in body["effects"]] == [
        ("send_sms", "a1"), ("create_task", "task")]
    assert body["effects"][0]["body"] == "Sorry Ada!"
    assert not Run.objects.exists() and not Step.objects.exists()
    assert not Message.objects.exists() and not Task.objects.exists()


@pytest.mark.parametrize(("case", "consent", "phone", "message"), [
    ("consent", "granted", "+4915112345678", {"action": "send", "reason": ""}),
    ("sent STOP", "denied", "+4915112345678", {"action": "suppress", "reason": "no_consent"}),
    ("no number", "granted", "", {"action": "suppress", "reason": "no_address"}),
])
def test_dry_run_says_what_the_guardrails_would_do(composer, draft, customer, case, consent,
                                                   phone, message) -> None:
    # Given a customer whose SMS consent and phone number vary
    customer.attributes = {"plan": "pro"}
    customer.phone = phone
    customer.consent = {"sms": {"status": consent, "source": "test"}}
    customer.save()
    # When the apology workflow is dry-run for them
    body = dry_run(composer, draft.pk, {
        "customer_id": "c1", "event": {"type": "feedback.submitted",
                                       "properties": {"score": 2}}})
    # Then the SMS step says whether the text would really go, and nothing was stored
    step = next(s for s in body["steps"] if s["node"] == "a1")
    assert step["message"] == {"customer": "Ada", "channel": "sms", **message, "until": None}
    assert all("message" not in s for s in body["steps"] if s["node"] != "a1")
    assert not Message.objects.exists()


def test_dry_run_defers_in_quiet_hours(composer, draft, customer, settings) -> None:
    settings.KEEPFLOW_QUIET_HOURS = "21:00-08:00"
    customer.attributes = {"plan": "pro"}
    customer.save()
    body = dry_run(composer, draft.pk, {
        "customer_id": "c1", "now": "2026-03-02T22:30:00+00:00",
        "event": {"type": "feedback.submitted", "properties": {"score": 2}}})
    step = next(s for s in body["steps"] if s["node"] == "a1")
    assert step["message"] == {"customer": "Ada", "channel": "sms", "action": "defer",
                               "reason": "quiet_hours", "until": "2026-03-03T07:00:00+00:00"}


def test_the_customer_data_decides_the_path(composer, draft, customer) -> None:
    customer.attributes = {"plan": "free"}
    customer.save()
    body = dry_run(composer, draft.pk, {
        "customer_id": "c1", "event": {"type": "feedback.submitted",
                                       "properties": {"score": 2}}})
    assert body["path"] == ["t1", "f1"] and body["effects"] == []


def test_an_event_that_matches_no_trigger(composer, draft, customer) -> None:
    body = dry_run(composer, draft.pk, {
        "customer_id": "c1", "event": {"type": "feedback.submitted",
                                       "properties": {"score": 9}}})
    assert body["outcome"] == "not_triggered" and body["path"] == []


def test_a_failing_block_shows_its_error(composer, publisher_user, customer) -> None:
    workflow, _ = workflow_create(name="ratio", user=publisher_user, graph=graph(
        trigger(), node("u1", "action.update_customer", NEEDS_N), edges=[edge("t1", "u1")]))
    body = dry_run(composer, workflow.pk, {"customer_id": "c1",
                                           "event": {"type": "feedback.submitted"}})
    assert body["outcome"] == "failed" and "divide by 0" in body["error"]
    customer.refresh_from_db()
    assert "ratio" not in customer.attributes


def test_the_published_version(composer, publish, customer) -> None:
    workflow = publish(graph(trigger(), sms("a1", "v1"), edges=[edge("t1", "a1")]))
    workflow.draft_graph = graph(trigger(), sms("a1", "v2 draft"), edges=[edge("t1", "a1")])
    workflow.save()
    event = {"type": "feedback.submitted"}
    published = dry_run(composer, workflow.pk, {"customer_id": "c1", "event": event,
                                                 "version": "published"})
    drafted = dry_run(composer, workflow.pk, {"customer_id": "c1", "event": event})
    assert published["effects"][0]["body"] == "v1"
    assert drafted["effects"][0]["body"] == "v2 draft"


def test_a_named_trigger_without_an_event(composer, publisher_user, customer) -> None:
    workflow, _ = workflow_create(name="manual", user=publisher_user, graph=graph(
        node("m1", "trigger.manual", {}), sms("a1", "hello"), edges=[edge("m1", "a1")]))
    body = dry_run(composer, workflow.pk, {"customer_id": "c1", "trigger": "m1"})
    assert body["path"] == ["m1", "a1"] and body["outcome"] == "completed"


@pytest.mark.parametrize(("body", "field"), [
    ({"customer_id": "nobody"}, "customer_id"),
    ({}, "customer_id"),
    ({"customer_id": "c1", "event": {"type": "bad type!"}}, "event.type"),
    ({"customer_id": "c1", "event": {"properties": {}}}, "event.type"),
    ({"customer_id": "c1", "version": "v7"}, "version"),
    ({"customer_id": "c1", "version": "published"}, "version"),
    ({"customer_id": "c1", "trigger": "zz"}, "trigger"),
], ids=["unknown-customer", "no-customer", "event-type", "event-no-type", "version",
        "never-published", "unknown-trigger"])
def test_bad_input_is_400_naming_the_field(composer, draft, customer, body, field) -> None:
    response = composer.post(f"/api/v1/workflows/{draft.pk}/dry-run", body, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_viewers_may_not_dry_run_and_unknown_workflows_are_404(client_as, draft,
                                                               customer) -> None:
    viewer = client_as("viewer")
    assert viewer.post(f"/api/v1/workflows/{draft.pk}/dry-run", {"customer_id": "c1"},
                       format="json").status_code == 403
    assert client_as("composer").post("/api/v1/workflows/999999/dry-run", {"customer_id": "c1"},
                                      format="json").status_code == 404


def test_a_half_built_draft_fails_visibly(composer, publisher_user, customer) -> None:
    workflow, _ = workflow_create(name="half", user=publisher_user, graph=graph(
        trigger(), sms("a1", "hi"), edges=[edge("t1", "a1"), edge("a1", "zz")]))
    body = dry_run(composer, workflow.pk, {"customer_id": "c1",
                                           "event": {"type": "feedback.submitted"}})
    assert body["outcome"] == "failed" and "'zz'" in body["error"]


REPLY_WAIT = graph(trigger(), sms("a1", "Hi"),
                   node("w1", "flow.wait_for_event", {"event_type": "message.replied",
                                                      "timeout": "2d"}),
                   node("x1", "flow.exit", {"reason": "replied"}),
                   node("k1", "action.create_task", {"title": "Call", "due_in": "1d",
                                                     "business_hours": False}),
                   edges=[edge("t1", "a1"), edge("a1", "w1"), edge("w1", "x1", "happened"),
                          edge("w1", "k1", "timeout")])


@pytest.mark.parametrize(("later", "path"), [
    pytest.param([], ["t1", "a1", "w1", "k1"], id="timeout"),
    pytest.param([{"type": "purchase"}, {"type": "message.replied", "properties": {"n": 1}}],
                 ["t1", "a1", "w1", "x1"], id="then-the-customer-replies"),
])
def test_dry_run_takes_later_events_and_now(composer, publisher_user, customer, later,
                                            path) -> None:
    workflow, _ = workflow_create(name="reply", graph=REPLY_WAIT, user=publisher_user)
    body = dry_run(composer, workflow.pk, {
        "customer_id": "c1", "event": {"type": "feedback.submitted", "properties": {"score": 2}},
        "later_events": later, "now": "2026-03-01T08:00:00Z"})
    assert body["path"] == path
    if not later:  # the 2-day wait moved the clock from `now`; the task is due a day later
        assert body["effects"][-1]["due_at"].startswith("2026-03-04T08:00:00")


def test_dry_run_refuses_a_later_event_without_type(composer, draft, customer) -> None:
    response = composer.post(f"/api/v1/workflows/{draft.pk}/dry-run", {
        "customer_id": "c1", "later_events": [{"properties": {}}]}, format="json")
    assert response.status_code == 400
    assert any(e["field"].startswith("later_events") for e in response.json()["errors"])
