"""POST /workflows/{id}/runs: start a published workflow by hand for one customer (with an
Idempotency-Key) or for a segment (a fan-out with progress)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.customers.models import Customer, Segment, SegmentMembership
from apps.engine.models import Fanout, Run, RunState
from apps.workflows.services import workflow_create, workflow_transition
from tests.engine.runs_helpers import advance_all, manual, simple

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client_as):
    return client_as("publisher")


def post(client, workflow_id: int, body: dict, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(f"/api/v1/workflows/{workflow_id}/runs", body, format="json", **headers)


def test_start_one_run_now_at_the_manual_trigger(api, publish, customer) -> None:
    workflow = publish(manual())
    response = post(api, workflow.pk, {"customer_id": "c1"})
    assert response.status_code == 201
    body = response.json()
    assert body["trigger_node"] == "m1" and body["customer"] == "c1"
    assert body["entry_key"].startswith("manual:") and body["state"] == "pending"
    advance_all()
    run = Run.objects.get()
    assert run.state == RunState.COMPLETED
    customer.refresh_from_db()
    assert "done" in customer.tags


def test_re_entry_policy_does_not_stop_a_person(api, publish, customer) -> None:
    workflow = publish(manual(), settings={"re_entry": {"policy": "once"}})
    assert post(api, workflow.pk, {"customer_id": "c1"}).status_code == 201
    advance_all()
    assert post(api, workflow.pk, {"customer_id": "c1"}).status_code == 201
    assert Run.objects.count() == 2


def test_the_same_idempotency_key_returns_the_same_run(api, publish, customer) -> None:
    workflow = publish(manual())
    first = post(api, workflow.pk, {"customer_id": "c1"}, key="ticket-42")
    again = post(api, workflow.pk, {"customer_id": "c1"}, key="ticket-42")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["entry_key"] == "manual:ticket-42"
    assert Run.objects.count() == 1
    Customer.objects.create(external_id="c2")
    other = post(api, workflow.pk, {"customer_id": "c2"}, key="ticket-42")
    assert other.status_code == 422
    assert other.json()["errors"] == [{
        "field": "Idempotency-Key", "code": "idempotency_key_reused",
        "message": "This Idempotency-Key was already used to start runs for another customer."}]
    other_trigger = post(api, workflow.pk, {"customer_id": "c1", "trigger": "t1"},
                         key="ticket-42")
    assert other_trigger.status_code == 422
    assert other_trigger.json()["errors"][0]["message"].endswith("for another trigger.")
    assert Run.objects.count() == 1


def test_a_named_trigger(api, publish, customer) -> None:
    workflow = publish(manual())
    response = post(api, workflow.pk, {"customer_id": "c1", "trigger": "t1"})
    assert response.status_code == 201 and response.json()["trigger_node"] == "t1"


def test_the_active_run_limit_is_a_409(api, publish, customer) -> None:
    from tests.workflows.graphs import edge, graph, node, wait

    workflow = publish(graph(node("m1", "trigger.manual", {}), wait("w1", "1d"),
                             edges=[edge("m1", "w1")]))
    assert post(api, workflow.pk, {"customer_id": "c1"}).status_code == 201
    advance_all()
    response = post(api, workflow.pk, {"customer_id": "c1"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "active_limit"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "customer_id"),
    ({"customer_id": "c1", "segment_id": 1}, "segment_id"),
    ({"customer_id": "nobody"}, "customer_id"),
    ({"customer_id": "c1", "trigger": "a"}, "trigger"),
    ({"customer_id": "c1", "trigger": "nope"}, "trigger"),
    ({"segment_id": 0}, "segment_id"),
    ({"segment_id": 999999}, "segment_id"),
], ids=["nothing", "both", "unknown-customer", "not-a-trigger", "unknown-trigger",
        "segment-zero", "unknown-segment"])
def test_bad_input_is_400_naming_the_field(api, publish, customer, body, field) -> None:
    workflow = publish(manual())
    response = post(api, workflow.pk, body)
    assert response.status_code == 400, response.json()
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_without_a_manual_trigger_name_one(api, publish, customer) -> None:
    workflow = publish(simple())
    response = post(api, workflow.pk, {"customer_id": "c1"})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "trigger", "code": "no_manual_trigger",
        "message": response.json()["detail"]}
    assert post(api, workflow.pk, {"customer_id": "c1", "trigger": "t1"}).status_code == 201


def test_only_published_workflows_start(api, publish, publisher_user, customer) -> None:
    draft, _ = workflow_create(name="draft", graph=manual(), user=publisher_user)
    response = post(api, draft.pk, {"customer_id": "c1"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "workflow"
    paused = publish(manual(), name="paused")
    workflow_transition(paused.pk, "pause", user=publisher_user)
    assert post(api, paused.pk, {"customer_id": "c1"}).status_code == 400
    assert not Run.objects.exists()


def test_bad_idempotency_key_is_400(api, publish, customer) -> None:
    workflow = publish(manual())
    response = post(api, workflow.pk, {"customer_id": "c1"}, key="x" * 151)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_who_may_start(client_as, key_client, publish, customer) -> None:
    workflow = publish(manual())
    assert post(client_as("viewer"), workflow.pk, {"customer_id": "c1"}).status_code == 403
    assert post(client_as("composer"), workflow.pk, {"customer_id": "c1"}).status_code == 403
    assert post(key_client("read"), workflow.pk, {"customer_id": "c1"}).status_code == 403
    assert post(key_client("runs:write"), workflow.pk, {"customer_id": "c1"}).status_code == 201
    assert post(client_as("viewer"), 999999, {"customer_id": "c1"}).status_code == 403


# --- a segment: a fan-out ---------------------------------------------------------------------


def test_start_for_a_segment_fans_out_with_progress(api, publish, customer) -> None:
    from apps.engine.fanout import fanout_step

    segment = Segment.objects.create(name="all", condition={"all": []})
    for index in range(3):
        member = Customer.objects.create(external_id=f"s{index}")
        SegmentMembership.objects.create(segment=segment, customer=member,
                                         entered_at=timezone.now())
    workflow = publish(manual())
    response = post(api, workflow.pk, {"segment_id": segment.pk}, key="march-mailing")
    assert response.status_code == 202, response.json()
    fanout = response.json()
    assert (fanout["segment"], fanout["trigger_node"], fanout["total"], fanout["state"]) == (
        segment.pk, "m1", 3, "running")
    assert fanout["entry_prefix"] == "manual:march-mailing"
    again = post(api, workflow.pk, {"segment_id": segment.pk}, key="march-mailing")
    assert again.status_code == 202 and again.json()["id"] == fanout["id"]
    assert Fanout.objects.count() == 1
    other = Segment.objects.create(name="other", condition={"all": []})
    reused = post(api, workflow.pk, {"segment_id": other.pk}, key="march-mailing")
    assert reused.status_code == 422
    assert reused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert reused.json()["errors"][0]["code"] == "idempotency_key_reused"

    fanout_step(fanout["id"])  # the worker's batch, on this process
    detail = api.get(f"/api/v1/fanouts/{fanout['id']}").json()
    assert (detail["processed"], detail["started"], detail["state"], detail["progress"]) == (
        3, 3, "done", 1.0)
    listed = api.get(f"/api/v1/workflows/{workflow.pk}/fanouts").json()
    assert [f["id"] for f in listed["results"]] == [fanout["id"]]
    assert Run.objects.filter(workflow=workflow).count() == 3


def test_fanouts_of_an_unknown_workflow_is_404(api) -> None:
    assert api.get("/api/v1/workflows/999999/fanouts").status_code == 404
    assert api.get("/api/v1/fanouts/999999").status_code == 404
