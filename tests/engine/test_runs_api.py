"""The runs API: list and filters, detail with its timeline, cancel (one and bulk), retry
(from the failed step and from the trigger), per-node counts, access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.engine.events import events_handle
from apps.engine.interpreter import run_advance
from apps.engine.models import Run, RunState, Step, Wait
from apps.engine.timers import timers_wake
from apps.workflows.services import workflow_publish, workflow_save
from tests.engine.conftest import ingest
from tests.engine.runs_helpers import advance_all, failing, simple, tag, waiting
from tests.workflows.graphs import edge, graph, sms, trigger

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client_as):
    return client_as("publisher")


def start(external_id: str = "c1", type_: str = "feedback.submitted") -> None:
    events_handle(ingest(external_id, type_, {"score": 3}))
    advance_all()


# --- list and filters ---------------------------------------------------------------------


def test_list_is_newest_first_without_working_state(api, publish, customer) -> None:
    workflow = publish(simple(), settings={"re_entry": {"policy": "always"}})
    start()
    start()
    response = api.get("/api/v1/runs")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    ids = [item["id"] for item in body["results"]]
    assert ids == sorted(ids, reverse=True)
    item = body["results"][0]
    assert item["workflow"] == workflow.pk and item["workflow_name"] == "wf"
    assert item["customer"] == "c1" and item["version"] == 1
    assert item["state"] == "completed" and item["step_count"] == 2
    assert not {"frontier", "variables", "visits", "steps"} & set(item)


def test_list_filters(api, publish, customer, make_user) -> None:
    from apps.customers.models import Customer

    Customer.objects.create(external_id="c2")
    first = publish(simple(), name="first", settings={"re_entry": {"policy": "always"}})
    second = publish(waiting(), name="second")
    start("c1")
    start("c2")
    runs = {(r.workflow_id, r.customer.external_id): r for r in Run.objects.all()}
    assert len(runs) == 4

    def ids(query: str) -> set[int]:
        response = api.get(f"/api/v1/runs?{query}")
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["results"]}

    assert ids(f"workflow={first.pk}") == {runs[(first.pk, "c1")].pk, runs[(first.pk, "c2")].pk}
    assert ids("customer=c2") == {runs[(first.pk, "c2")].pk, runs[(second.pk, "c2")].pk}
    assert ids("state=waiting") == {runs[(second.pk, "c1")].pk, runs[(second.pk, "c2")].pk}
    assert ids(f"state=waiting&customer=c1&workflow={second.pk}") == {
        runs[(second.pk, "c1")].pk}
    assert len(ids("state=waiting&state=completed")) == 4
    Run.objects.filter(pk=runs[(first.pk, "c1")].pk).update(
        created_at=timezone.now() - timedelta(days=3))
    assert ids("created_before=" + (timezone.now() - timedelta(days=1)).isoformat()
               .replace("+00:00", "Z")) == {runs[(first.pk, "c1")].pk}
    assert len(ids("created_after=" + (timezone.now() - timedelta(days=1)).isoformat()
                   .replace("+00:00", "Z"))) == 3


@pytest.mark.parametrize(("query", "field"), [
    ("state=bogus", "state"),
    ("workflow=abc", "workflow"),
    ("workflow=1.5", "workflow"),
    ("workflow=99999999999999999999", "workflow"),
    ("created_after=yesterday", "created_after"),
], ids=["state", "workflow-text", "workflow-decimal", "workflow-huge", "date"])
def test_bad_filters_are_400_naming_the_field(api, query, field) -> None:
    response = api.get(f"/api/v1/runs?{query}")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


# --- detail -------------------------------------------------------------------------------


def test_detail_has_timeline_and_waits(api, publish, customer) -> None:
    workflow = publish(waiting())
    start()
    run = Run.objects.get()
    response = api.get(f"/api/v1/runs/{run.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["workflow"], body["workflow_name"], body["version"], body["customer"]) == (
        workflow.pk, "wf", 1, "c1")
    assert body["state"] == "waiting" and body["error"] == "" and body["exit_reason"] == ""
    assert [(s["node"], s["block_type"], s["outcome"], s["port"]) for s in body["steps"]] == [
        ("t1", "trigger.event", "continue", "out"), ("w1", "flow.wait", "wait", "")]
    step = body["steps"][1]
    assert set(step) == {"id", "node", "block_type", "visit", "outcome", "port", "detail",
                         "error", "started_at", "duration_ms"}
    assert step["detail"]["until"] and step["duration_ms"] >= 0
    assert body["steps_truncated"] is False
    [wait] = body["waits"]
    assert (wait["node"], wait["kind"], wait["timeout_port"]) == ("w1", "timer", "out")
    assert wait["waits_for"].startswith("time ") and wait["until"]


def test_detail_of_a_failed_run_names_node_and_error(api, publish, customer) -> None:
    publish(failing())
    start()
    body = api.get(f"/api/v1/runs/{Run.objects.get().pk}").json()
    assert body["state"] == "failed" and body["failed_node"] == "u1"
    assert "divide by 0" in body["error"]
    assert body["steps"][-1]["outcome"] == "fail" and "divide by 0" in body["steps"][-1]["error"]


def test_unknown_run_is_404(api) -> None:
    assert api.get("/api/v1/runs/999999").status_code == 404


# --- cancel -------------------------------------------------------------------------------


def test_cancel_removes_waits_and_the_run_never_advances(api, publish, customer) -> None:
    publish(waiting())
    start()
    run = Run.objects.get()
    response = api.post(f"/api/v1/runs/{run.pk}/cancel", {"reason": "wrong segment"},
                        format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "cancelled" and body["exit_reason"] == "wrong segment"
    assert body["waits"] == [] and not Wait.objects.exists()
    # When the timer would have been due, nothing fires and the run stays where it is.
    assert timers_wake(now=timezone.now() + timedelta(days=2)) == 0
    assert run_advance(run.pk) == RunState.CANCELLED
    run.refresh_from_db()
    assert run.state == RunState.CANCELLED and run.step_count == 3  # trigger, wait, cancel
    assert not Step.objects.filter(run=run, node_id="a").exists()
    customer.refresh_from_db()
    assert "done" not in (customer.tags or [])


def test_cancel_an_ended_run_is_409(api, publish, customer) -> None:
    publish(simple())
    start()
    run = Run.objects.get()
    response = api.post(f"/api/v1/runs/{run.pk}/cancel", {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert "completed" in body["detail"]
    assert body["errors"][0]["field"] == "state"


def test_bulk_cancel_by_ids(api, publish, customer) -> None:
    from apps.customers.models import Customer

    for index in range(3):
        Customer.objects.create(external_id=f"b{index}")
    publish(waiting())
    for index in range(3):
        start(f"b{index}")
    first, second, third = Run.objects.order_by("id")
    response = api.post("/api/v1/runs/cancel", {"ids": [first.pk, second.pk]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"cancelled": 2, "remaining": 0}
    states = dict(Run.objects.values_list("id", "state"))
    assert states == {first.pk: "cancelled", second.pk: "cancelled", third.pk: "waiting"}
    assert list(Wait.objects.values_list("run_id", flat=True)) == [third.pk]


def test_bulk_cancel_by_workflow_and_state(api, publish, customer) -> None:
    done = publish(simple(), name="done")
    parked = publish(waiting(), name="parked")
    start()
    response = api.post("/api/v1/runs/cancel", {"workflow": parked.pk, "state": ["waiting"]},
                        format="json")
    assert response.json() == {"cancelled": 1, "remaining": 0}
    assert Run.objects.get(workflow=parked).state == "cancelled"
    assert Run.objects.get(workflow=done).state == "completed"
    # Nothing active left: a second call cancels nothing.
    assert api.post("/api/v1/runs/cancel", {"workflow": parked.pk}, format="json").json() == {
        "cancelled": 0, "remaining": 0}


@pytest.mark.parametrize(("body", "field"), [
    ({}, "ids"),
    ({"ids": []}, "ids"),
    ({"ids": ["x"]}, "ids.0"),
    ({"workflow": 1, "state": ["completed"]}, "state.0"),
], ids=["nothing", "empty-ids", "bad-id", "ended-state"])
def test_bulk_cancel_input_errors_name_the_field(api, body, field) -> None:
    response = api.post("/api/v1/runs/cancel", body, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


# --- retry --------------------------------------------------------------------------------


def test_retry_from_the_failed_step_after_the_data_is_fixed(api, publish, customer) -> None:
    publish(failing())
    start()
    run = Run.objects.get()
    assert run.state == RunState.FAILED
    customer.attributes = {**customer.attributes, "n": 2}
    customer.save()
    response = api.post(f"/api/v1/runs/{run.pk}/retry", {"from": "failed_step"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == run.pk and body["state"] == "pending" and body["error"] == ""
    run_advance(run.pk)
    run.refresh_from_db()
    assert run.state == RunState.COMPLETED
    assert list(run.steps.values_list("node_id", "outcome")) == [
        ("t1", "continue"), ("u1", "fail"), ("u1", "continue"), ("a", "continue")]
    customer.refresh_from_db()
    assert customer.attributes["ratio"] == "5" and "done" in customer.tags


def test_retry_defaults_to_the_failed_step(api, publish, customer) -> None:
    publish(failing())
    start()
    run = Run.objects.get()
    assert api.post(f"/api/v1/runs/{run.pk}/retry", {}, format="json").json()["id"] == run.pk


def test_retry_from_the_trigger_starts_a_new_run_on_the_current_version(
        api, publish, customer, publisher_user) -> None:
    workflow = publish(failing())
    start()
    failed = Run.objects.get()
    # The fix is a new version: the failing node is gone.
    workflow.refresh_from_db()
    workflow_save(workflow.pk, revision=workflow.draft_revision, user=publisher_user,
                  changes={"graph": graph(trigger(), tag("a", "done"), edges=[edge("t1", "a")])})
    workflow_publish(workflow.pk, user=publisher_user)
    response = api.post(f"/api/v1/runs/{failed.pk}/retry", {"from": "trigger"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["id"] != failed.pk and body["version"] == 2
    assert body["entry_key"] == f"retry:{failed.pk}:1"
    advance_all()
    assert Run.objects.get(pk=body["id"]).state == RunState.COMPLETED
    failed.refresh_from_db()
    assert failed.state == RunState.FAILED  # the old run stays as it was, for the record


@pytest.mark.parametrize("source", ["failed_step", "trigger"])
def test_retry_a_run_that_did_not_fail_is_409(api, publish, customer, source) -> None:
    publish(simple())
    start()
    run = Run.objects.get()
    response = api.post(f"/api/v1/runs/{run.pk}/retry", {"from": source}, format="json")
    assert response.status_code == 409
    assert "only failed runs can be retried" in response.json()["detail"]


def test_retry_with_a_bad_source_is_400(api, publish, customer) -> None:
    publish(failing())
    start()
    response = api.post(f"/api/v1/runs/{Run.objects.get().pk}/retry", {"from": "middle"},
                        format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "from"


# --- counts -------------------------------------------------------------------------------


def test_counts_per_node_port_and_state(api, publish, customer) -> None:
    from apps.customers.models import Customer

    Customer.objects.create(external_id="c2")
    workflow = publish(waiting())
    start("c1")
    start("c2")
    api.post(f"/api/v1/runs/{Run.objects.order_by('id').first().pk}/cancel", {},
             format="json")
    response = api.get(f"/api/v1/workflows/{workflow.pk}/counts")
    assert response.status_code == 200
    body = response.json()
    assert body["runs"] == {"waiting": 1, "cancelled": 1}
    assert body["nodes"]["t1"] == {"entered": 2, "waiting": 0, "exited": 0, "failed": 0,
                                   "ports": {"out": 2}, "messages": []}
    assert body["nodes"]["w1"] == {"entered": 2, "waiting": 1, "exited": 0, "failed": 0,
                                   "ports": {}, "messages": []}
    assert "" not in body["nodes"]
    timers_wake(now=timezone.now() + timedelta(days=2))
    advance_all_waiting()
    body = api.get(f"/api/v1/workflows/{workflow.pk}/counts").json()
    assert body["runs"] == {"completed": 1, "cancelled": 1}
    assert body["nodes"]["w1"]["ports"] == {"out": 1} and body["nodes"]["w1"]["waiting"] == 0
    assert body["nodes"]["a"]["entered"] == 1


def test_counts_tell_what_became_of_each_message(api, publish, customer) -> None:
    # Given an apology SMS block and three customers: one with consent, one who sent STOP,
    # one without a phone number
    from apps.customers.models import Customer
    from apps.messaging.models import Message

    Customer.objects.create(external_id="c2", phone="+4915100000002",
                            consent={"sms": {"status": "denied", "source": "stop"}})
    Customer.objects.create(external_id="c3")
    workflow = publish(graph(trigger(), sms("a1"), edges=[edge("t1", "a1")]))
    # When each of them gives bad feedback
    for external_id in ("c1", "c2", "c3"):
        start(external_id)
    # Then every run left the block by `out`, but the counts say what became of the texts
    body = api.get(f"/api/v1/workflows/{workflow.pk}/counts").json()
    assert body["nodes"]["a1"]["ports"] == {"out": 3}
    assert body["nodes"]["a1"]["messages"] == [
        {"outcome": "pending", "reason": "", "count": 1},
        {"outcome": "suppressed", "reason": "no_address", "count": 1},
        {"outcome": "suppressed", "reason": "no_consent", "count": 1},
    ]
    assert body["nodes"]["t1"]["messages"] == []
    # And a text that went out and was delivered moves to delivered
    Message.objects.filter(status="queued").update(status="delivered")
    body = api.get(f"/api/v1/workflows/{workflow.pk}/counts").json()
    assert body["nodes"]["a1"]["messages"][0] == {"outcome": "delivered", "reason": "",
                                                  "count": 1}


def advance_all_waiting() -> None:
    for run_id in Run.objects.filter(state="waiting").values_list("id", flat=True):
        run_advance(run_id)


def test_counts_of_an_unknown_workflow_is_404(api) -> None:
    assert api.get("/api/v1/workflows/999999/counts").status_code == 404


# --- access -------------------------------------------------------------------------------


def test_viewers_read_but_do_not_cancel_or_retry(client_as, publish, customer) -> None:
    publish(waiting())
    start()
    run = Run.objects.get()
    viewer = client_as("viewer")
    assert viewer.get("/api/v1/runs").status_code == 200
    assert viewer.get(f"/api/v1/runs/{run.pk}").status_code == 200
    assert viewer.post(f"/api/v1/runs/{run.pk}/cancel", {}, format="json").status_code == 403
    assert viewer.post("/api/v1/runs/cancel", {"ids": [run.pk]},
                       format="json").status_code == 403
    assert viewer.post(f"/api/v1/runs/{run.pk}/retry", {}, format="json").status_code == 403
    composer = client_as("composer")
    assert composer.post(f"/api/v1/runs/{run.pk}/cancel", {}, format="json").status_code == 403
    run.refresh_from_db()
    assert run.state == RunState.WAITING


def test_api_key_scopes(key_client, publish, customer) -> None:
    publish(waiting())
    start()
    run = Run.objects.get()
    reader = key_client("read")
    assert reader.get(f"/api/v1/runs/{run.pk}").status_code == 200
    assert reader.post(f"/api/v1/runs/{run.pk}/cancel", {}, format="json").status_code == 403
    operator = key_client("runs:write")
    assert operator.post(f"/api/v1/runs/{run.pk}/cancel", {}, format="json").status_code == 200
    assert key_client("events:write").get("/api/v1/runs").status_code == 403


def test_anonymous_is_401(client) -> None:
    assert client.get("/api/v1/runs").status_code in (401, 403)


def test_list_and_detail_queries_do_not_grow_with_runs(api, publish, customer,
                                                       django_assert_max_num_queries) -> None:
    from apps.customers.models import Customer

    publish(waiting())
    for index in range(6):
        Customer.objects.create(external_id=f"q{index}")
        start(f"q{index}")
    # one of them reads the page's messages (their outcomes), whatever the page's size
    with django_assert_max_num_queries(7):
        assert len(api.get("/api/v1/runs").json()["results"]) == 6
    run = Run.objects.first()
    with django_assert_max_num_queries(7):
        assert api.get(f"/api/v1/runs/{run.pk}").status_code == 200


def test_retry_from_the_trigger_of_a_paused_workflow_is_409(api, publish, customer,
                                                            publisher_user) -> None:
    from apps.workflows.services import workflow_transition

    workflow = publish(failing())
    start()
    workflow_transition(workflow.pk, "pause", user=publisher_user)
    run = Run.objects.get()
    response = api.post(f"/api/v1/runs/{run.pk}/retry", {"from": "trigger"}, format="json")
    assert response.status_code == 409
    assert "paused" in response.json()["detail"]
    assert Run.objects.count() == 1


def test_a_run_whose_text_was_suppressed_shows_it_sent_nothing(api, publish, customer) -> None:
    """Issue 17 item 5: both runs end `completed`; their messages tell the sent one from
    the one that sent nothing, in the list and in the detail."""
    from apps.customers.models import Customer

    Customer.objects.create(external_id="nophone")
    publish(graph(trigger(), sms("a1", "Sorry"), edges=[edge("t1", "a1")]),
            settings={"re_entry": {"policy": "always"}})
    start("c1")
    start("nophone")
    listed = {item["customer"]: item for item in api.get("/api/v1/runs").json()["results"]}
    assert {name: item["state"] for name, item in listed.items()} == {
        "c1": "completed", "nophone": "completed"}
    assert [(m["node"], m["channel"], m["status"], m["reason"], m["outcome"])
            for m in listed["nophone"]["messages"]] == [
        ("a1", "sms", "suppressed", "no_address", "not sent: no phone number")]
    assert [(m["status"], m["outcome"]) for m in listed["c1"]["messages"]] == [
        ("queued", "queued")]
    detail = api.get(f"/api/v1/runs/{listed['nophone']['id']}").json()
    assert detail["messages"] == listed["nophone"]["messages"]
