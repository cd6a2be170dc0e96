"""The inbound webhook URL: mapping, upsert, event, and the run started by the drain from
the pending hand-off; idempotency; the 404 that leaks nothing; media type, JSON, size and
mapping errors named; the URL on the workflow."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.customers.handling import events_handle_stored
from apps.customers.models import Customer, Event, EventPending
from apps.engine.models import NodeCount, Run
from apps.engine.webhook import MAX_BODY_BYTES
from apps.workflows.models import Workflow
from tests.workflows.graphs import edge, graph, node, trigger

pytestmark = pytest.mark.django_db

MAPPING = {"customer_id": "$.respondent.id", "email": "$.respondent.email",
           "first_name": "$.respondent['first name']", "properties.score": "$.answers[0].score",
           "attributes.plan": "$.plan"}
PAYLOAD = {"respondent": {"id": "r-42", "email": "ann@example.com", "first name": "Ann"},
           "answers": [{"score": 3}], "plan": "pro"}


def webhook_graph(mapping: dict | None = None) -> dict:
    return graph(node("h1", "trigger.webhook", {"event_type": "survey.answered",
                                                "field_mapping": mapping or MAPPING}),
                 node("a", "action.update_customer", {"add_tags": ["answered"]}),
                 edges=[edge("h1", "a")])


@pytest.fixture
def hooked(publish) -> Workflow:
    return publish(webhook_graph())


def post(workflow: Workflow, body: object = PAYLOAD, *, secret: str | None = None,
         content_type: str = "application/json", **headers: str):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    url = f"/hooks/workflows/{workflow.pk}/{secret or workflow.webhook_secret}"
    return Client().generic("POST", url, data=data, content_type=content_type, **headers)


def drain() -> None:
    """What the events_drain task does with the pending hand-offs."""
    events_handle_stored(list(EventPending.objects.values_list("event_id", flat=True)))


def test_a_call_upserts_the_customer_stores_the_event_and_starts_a_run(hooked) -> None:
    response = post(hooked)
    assert response.status_code == 202, response.content
    body = response.json()
    event = Event.objects.get()
    assert body == {"event_id": event.pk}
    drain()
    run = Run.objects.get()
    assert (event.type, event.properties, event.customer.external_id) == (
        "survey.answered", {"score": 3}, "r-42")
    assert (run.workflow_id, run.trigger_node, run.entry_key, run.trigger_event_id) == (
        hooked.pk, "h1", f"event:{event.pk}", event.pk)
    customer = Customer.objects.get(external_id="r-42")
    assert (customer.email, customer.first_name, customer.attributes) == (
        "ann@example.com", "Ann", {"plan": "pro"})


def test_the_call_starts_no_run_itself_it_hands_its_workflow_to_the_drain(hooked) -> None:
    """Issue 17: no run (and so no runs_advance task) per call on the web side; the
    pending hand-off carries the start target, and the drain starts and advances the run
    in its batch, in the state it reaches."""
    event_id = post(hooked).json()["event_id"]
    assert not Run.objects.exists()
    assert list(EventPending.objects.values_list("event_id", "start_workflow_id")) == [
        (event_id, hooked.pk)]
    drain()
    run = Run.objects.get()
    assert (run.state, run.entry_key) == ("completed", f"event:{event_id}")
    assert not EventPending.objects.exists()


def test_a_batch_of_calls_starts_its_runs_in_one_drain(hooked, publish) -> None:
    """Calls for different customers and a plain event share one drain; a second
    workflow's webhook starts its own workflow only."""
    other = publish(webhook_graph(), name="other")
    for i in range(3):
        post(hooked, {**PAYLOAD, "respondent": {"id": f"r-{i}"}})
    post(other, {**PAYLOAD, "respondent": {"id": "r-9"}})
    drain()
    assert sorted(Run.objects.values_list("workflow_id", "customer__external_id", "state")) == [
        (hooked.pk, "r-0", "completed"), (hooked.pk, "r-1", "completed"),
        (hooked.pk, "r-2", "completed"), (other.pk, "r-9", "completed")]


def test_idempotency_key_makes_a_retry_return_the_first_answer(hooked) -> None:
    first = post(hooked, HTTP_IDEMPOTENCY_KEY="abc-1").json()
    again = post(hooked, HTTP_IDEMPOTENCY_KEY="abc-1").json()
    drain()
    other = post(hooked, HTTP_IDEMPOTENCY_KEY="abc-2").json()
    drain()
    drain()  # a redelivered drain starts nothing twice
    assert first == again and other["event_id"] != first["event_id"]
    assert Event.objects.count() == 2
    # The second distinct call is refused a run by the default re-entry policy (once)
    assert list(Run.objects.values_list("entry_key", flat=True)) == [
        f"event:{first['event_id']}"]
    assert NodeCount.objects.get(node_id="h1", key="skipped:re_entry").count == 1


def test_the_active_run_limit_holds_for_calls_drained_together(publish) -> None:
    """Two calls for one customer in one drain: the limit of one active run refuses the
    second, as it did when each call started its run."""
    waiting = publish(graph(
        node("h1", "trigger.webhook", {"event_type": "survey.answered",
                                       "field_mapping": {"customer_id": "$.respondent.id"}}),
        node("w", "flow.wait", {"mode": "duration", "duration": "1d"}),
        edges=[edge("h1", "w")]), settings={"re_entry": {"policy": "always"}})
    post(waiting, HTTP_IDEMPOTENCY_KEY="a")
    post(waiting, HTTP_IDEMPOTENCY_KEY="b")
    drain()
    assert list(Run.objects.values_list("state", flat=True)) == ["waiting"]
    assert NodeCount.objects.get(node_id="h1", key="skipped:active_limit").count == 1


def test_a_call_drained_after_its_workflow_was_paused_starts_nothing(
        hooked, publisher_user) -> None:
    from apps.workflows.services import workflow_transition

    post(hooked)
    workflow_transition(hooked.pk, "pause", user=publisher_user)
    drain()
    assert not Run.objects.exists() and not EventPending.objects.exists()


@pytest.mark.parametrize(("case", "changed"), [
    ("another score", {**PAYLOAD, "answers": [{"score": 9}]}),
    ("another customer", {**PAYLOAD, "respondent": {**PAYLOAD["respondent"], "id": "r-43"}}),
])
def test_the_same_idempotency_key_with_another_call_is_a_422(hooked, case, changed) -> None:
    """Stripe's rule: a key names one request; reused for another, the second call would
    be dropped without a word (issue 24)."""
    first = post(hooked, HTTP_IDEMPOTENCY_KEY="abc-1")

    reused = post(hooked, changed, HTTP_IDEMPOTENCY_KEY="abc-1")

    assert (first.status_code, reused.status_code) == (202, 422)
    assert reused.json() == {
        "detail": "This idempotency key was already used for a different request.",
        "errors": [{"field": "Idempotency-Key", "code": "idempotency_key_reused",
                    "message": "already used for a call that gave a different customer or "
                               "event"}]}
    drain()
    assert Event.objects.count() == 1 and Run.objects.count() == 1
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["r-42"]


@pytest.mark.parametrize(("case", "change"), [
    ("wrong secret", {"secret": "x" * 43}),
    ("short secret", {"secret": "x"}),
    ("unknown workflow", {"workflow_id": "999999"}),
    ("not a number", {"workflow_id": "abc"}),
    ("huge number", {"workflow_id": "9" * 30}),
])
def test_wrong_urls_answer_a_bare_404(hooked, case, change) -> None:
    workflow_id = change.get("workflow_id", hooked.pk)
    secret = change.get("secret", hooked.webhook_secret)
    response = APIClient().post(f"/hooks/workflows/{workflow_id}/{secret}", data="{}",
                                content_type="text/plain")
    assert response.status_code == 404, case
    assert response.json() == {"detail": "Not found.", "errors": []}
    assert not Event.objects.exists()


def test_a_paused_workflow_or_one_without_webhook_trigger_answers_404(
        hooked, publish, publisher_user) -> None:
    from apps.workflows.services import workflow_transition

    workflow_transition(hooked.pk, "pause", user=publisher_user)
    assert post(hooked).status_code == 404
    workflow_transition(hooked.pk, "resume", user=publisher_user)
    assert post(hooked).status_code == 202
    plain = publish(graph(trigger(), node("a", "action.update_customer", {"add_tags": ["x"]}),
                          edges=[edge("t1", "a")]), name="plain")
    assert post(plain).status_code == 404


@pytest.mark.parametrize(("case", "body", "content_type", "status", "field", "code"), [
    ("form data", "a=1", "application/x-www-form-urlencoded", 415, None, None),
    ("no content type", "{}", "", 415, None, None),
    ("invalid JSON", "{not json", "application/json", 400, "body", "parse_error"),
    ("no customer id", {"respondent": {}}, "application/json", 400, "customer_id", "required"),
    ("customer id an object", {"respondent": {"id": {"a": 1}}}, "application/json", 400,
     "customer_id", "required"),
    ("customer id too long", {"respondent": {"id": "x" * 300}}, "application/json", 400,
     "customer_id", "invalid"),
    ("bad e-mail", {"respondent": {"id": "r", "email": "nope"}}, "application/json", 400,
     "email", "invalid"),
    ("NUL in a string", '{"respondent": {"id": "a\\u0000"}}', "application/json", 400,
     "respondent.id", "invalid"),
    ("vendor JSON type", {"respondent": {"id": "r"}}, "application/vnd.api+json", 202, None,
     None),
])
def test_bad_input_is_named(hooked, case, body, content_type, status, field, code) -> None:
    response = post(hooked, body, content_type=content_type)
    assert response.status_code == status, (case, response.content)
    if field is not None:
        errors = response.json()["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, code)], case
    elif status == 415:
        assert "application/json" in response.json()["detail"]


def test_body_size_is_limited(hooked) -> None:
    big = {"respondent": {"id": "r"}, "pad": "x" * MAX_BODY_BYTES}
    response = post(hooked, big)
    assert response.status_code == 413
    assert response.json()["errors"] == []
    assert "bytes" in response.json()["detail"]


def test_long_idempotency_key_is_refused(hooked) -> None:
    response = post(hooked, HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_the_workflow_shows_its_webhook_url_to_those_who_may_see_the_secret(
        hooked, publish, client_as) -> None:
    url = f"/api/v1/workflows/{hooked.pk}"
    shown = client_as("publisher").get(url).json()["webhook_url"]
    assert shown == f"http://testserver/hooks/workflows/{hooked.pk}/{hooked.webhook_secret}"
    assert client_as("viewer").get(url).json()["webhook_url"] is None
    plain = publish(graph(trigger(), node("a", "action.update_customer", {"add_tags": ["x"]}),
                          edges=[edge("t1", "a")]), name="plain")
    assert client_as("publisher").get(f"/api/v1/workflows/{plain.pk}").json()[
        "webhook_url"] is None


@pytest.mark.parametrize("number", ["1e309", "-1e400", "9" * 400])
def test_numbers_out_of_range_are_400_naming_the_field(hooked, number) -> None:
    body = '{"respondent": {"id": "r-1"}, "answers": [{"score": ' + number + '}]}'

    response = post(hooked, body)

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["answers.0.score"]
    assert not Event.objects.exists() and not Customer.objects.exists()


def _workflow_reads(workflow: Workflow) -> list[str]:
    base = f"/api/v1/workflows/{workflow.pk}"
    return [base, "/api/v1/workflows", f"{base}/versions", f"{base}/versions/1",
            f"{base}/export", f"{base}/runs", "/api/v1/runs", "/api/v1/events"]


@pytest.mark.parametrize(("who", "sees"), [
    pytest.param(("read",), False, id="read-key"),
    pytest.param(("read", "events:write", "runs:write"), False, id="read-events-runs-key"),
    pytest.param("viewer", False, id="viewer"),
    pytest.param(("read", "workflows:write"), True, id="read-workflows-key"),
    pytest.param("composer", True, id="composer"),
])
def test_the_webhook_secret_is_shown_only_to_those_who_may_change_the_workflow(
        hooked, key_client, client_as, who, sees) -> None:
    """The URL's secret starts runs: a key or role without workflows.write must not read it
    anywhere (issue 24), whatever else it may read."""
    assert post(hooked).status_code == 202  # a run and an event to read as well
    client = key_client(*who) if isinstance(who, tuple) else client_as(who)

    bodies = [client.get(url) for url in _workflow_reads(hooked)]

    readable = [r.content.decode() for r in bodies if r.status_code == 200]
    assert readable, "nothing was readable: the test would prove nothing"
    assert any(hooked.webhook_secret in body for body in readable) is sees


def test_a_zendesk_preset_turns_a_solved_ticket_into_a_customer_event(publish) -> None:
    workflow = publish(graph(node("h1", "trigger.webhook", {"preset": "zendesk_ticket_solved"}),
                             node("a", "action.update_customer", {"add_tags": ["solved"]}),
                             edges=[edge("h1", "a")]))
    body = {"helpdesk": "zendesk",
            "ticket": {"id": "35436", "subject": "Refund?", "status": "Solved",
                       "priority": "High"},
            "requester": {"external_id": "C-42", "email": "ada@example.com",
                          "first_name": "Ada", "last_name": "Lovelace"},
            "satisfaction": {"rating": "Unoffered", "comment": ""}}

    assert post(workflow, body).status_code == 202
    drain()

    event = Event.objects.get()
    assert (event.type, event.customer.external_id, event.properties) == (
        "helpdesk.ticket_solved", "C-42",
        {"ticket_id": "35436", "helpdesk": "zendesk", "subject": "Refund?",
         "status": "Solved", "priority": "High"})
    assert Run.objects.get().workflow_id == workflow.pk


@pytest.mark.django_db(transaction=True)
def test_a_dead_kept_connection_is_opened_again_by_the_trigger_lookup(publish) -> None:
    """With CONN_HEALTH_CHECKS the trigger lookup's raw statement is checked as Django's
    cursors are (apps/common/postgresql): a connection PostgreSQL closed since its last
    check is replaced, and the call goes through."""
    import math

    from django.db import connection

    from tests.database import backend_kill

    hooked = publish(webhook_graph())
    backend = backend_kill()
    enabled = connection.health_check_enabled
    connection.health_check_enabled = True
    connection.health_check_done = False  # a new request (the test client skips that part)
    connection.checked_at = -math.inf  # last checked long ago
    try:
        response = post(hooked)
    finally:
        connection.health_check_enabled = enabled
    assert response.status_code == 202, response.content
    assert connection.connection.info.backend_pid != backend
    assert Event.objects.filter(pk=response.json()["event_id"]).exists()
