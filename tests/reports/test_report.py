"""The workflow report over real runs and events: goal windows and conditions, the unit
(customers, not runs), the control group from both sources, and the API."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.customers.models import Customer, Event
from apps.engine.holdout import holdout_is_held_out
from apps.engine.models import Run
from apps.reports.selectors import report_cells, workflow_report
from apps.workflows.schemas import Goal
from tests.workflows.graphs import edge, graph, node, trigger

pytestmark = pytest.mark.django_db

TAG = graph(trigger(), node("a", "action.update_customer", {"add_tags": ["x"]}),
            edges=[edge("t1", "a")])
_keys = itertools.count()


def at(days: float = 0, seconds: float = 0) -> datetime:
    return datetime(2026, 11, 2, 12, 0, tzinfo=UTC) + timedelta(days=days, seconds=seconds)


def enter(workflow_id: int, customer: Customer, when: datetime, holdout: str = "") -> Run:
    """A run as the engine records it (made directly, to place it exactly in time)."""
    version_id = Run._meta.apps.get_model("workflows", "Workflow").objects \
        .get(pk=workflow_id).published_version_id
    return Run.objects.create(
        workflow_id=workflow_id, version_id=version_id, customer=customer,
        trigger_node="t1", entry_key=f"test:{next(_keys)}", state="completed",
        holdout=holdout, created_at=when, updated_at=when, ended_at=when)


def goal_event(customer: Customer, when: datetime, type_: str = "order.completed",
               **properties: object) -> Event:
    return Event.objects.create(customer=customer, type=type_, properties=properties,
                                occurred_at=when, received_at=when,
                                idempotency_key=f"goal-{next(_keys)}")


def person(name: str) -> Customer:
    return Customer.objects.create(external_id=name)


@pytest.mark.parametrize(("offset", "counts"), [
    pytest.param(timedelta(seconds=-1), False, id="before-entry"),
    pytest.param(timedelta(0), False, id="at-entry"),
    pytest.param(timedelta(seconds=1), True, id="just-after"),
    pytest.param(timedelta(days=7), True, id="last-moment-of-window"),
    pytest.param(timedelta(days=7, seconds=1), False, id="after-window"),
])
def test_goal_window_boundaries(publish, offset, counts) -> None:
    # Given a customer who entered at noon and a goal within 7 days
    workflow = publish(TAG)
    ann = person("ann")
    enter(workflow.pk, ann, at())
    goal_event(ann, at() + offset)

    # When the report counts
    cells = report_cells(workflow.pk, Goal(event_type="order.completed", within_days=7),
                         at(-1), at(1))

    # then the event counts only after entry and within the window (inclusive)
    assert [(c.customers, c.converted) for c in cells] == [(1, 1 if counts else 0)]


def test_without_a_window_any_later_event_counts(publish) -> None:
    workflow = publish(TAG)
    ann = person("ann")
    enter(workflow.pk, ann, at())
    goal_event(ann, at(days=400))
    cells = report_cells(workflow.pk, Goal(event_type="order.completed"), at(-1), at(1))
    assert [(c.customers, c.converted) for c in cells] == [(1, 1)]


def test_condition_type_and_value(publish) -> None:
    # Given three customers: one ordered for 30 and 12.5, one for 5 (under the goal's
    # minimum of 10), one viewed a page and ordered for "lots" (not a number)
    workflow = publish(TAG)
    ann, bob, cid = person("ann"), person("bob"), person("cid")
    for someone in (ann, bob, cid):
        enter(workflow.pk, someone, at())
    goal_event(ann, at(1), amount=30)
    goal_event(ann, at(2), amount=12.5)
    goal_event(bob, at(1), amount=5)
    goal_event(cid, at(1), type_="page.viewed", amount=99)
    goal_event(cid, at(1), amount="lots")  # not a number: not >= 10
    goal = Goal(event_type="order.completed", value_property="amount", within_days=30,
                condition={"field": "event.properties.amount", "op": "gte", "value": 10})

    cells = report_cells(workflow.pk, goal, at(-1), at(1))

    # then only ann converted, worth 42.5 (sum of squares 42.5²)
    assert len(cells) == 1
    cell = cells[0]
    assert (cell.customers, cell.converted, cell.value, cell.value_squares) == (
        3, 1, 42.5, 42.5 ** 2)


def test_the_unit_is_the_customer_and_the_period_selects_entries(publish) -> None:
    # Given ann entering twice in the period, bob once before it, cid once after it
    workflow = publish(TAG)
    ann, bob, cid = person("ann"), person("bob"), person("cid")
    enter(workflow.pk, ann, at(0))
    enter(workflow.pk, ann, at(0.5))
    enter(workflow.pk, bob, at(-3))
    enter(workflow.pk, cid, at(3))
    goal_event(ann, at(0.25))

    cells = report_cells(workflow.pk, Goal(event_type="order.completed"), at(-1), at(1))

    # then ann counts once, from her first entry (so her order counts)
    assert [(c.customers, c.converted) for c in cells] == [(1, 1)]


def test_control_group_from_entry_and_from_split(publish) -> None:
    workflow = publish(TAG, settings={"control_percent": 10,
                                      "goal": {"event_type": "order.completed"}})
    people = [person(f"p{i}") for i in range(6)]
    for someone, holdout in zip(people, ["", "", "", "entry", "entry", "split"], strict=True):
        enter(workflow.pk, someone, timezone.now() - timedelta(days=1), holdout)
    goal_event(people[0], timezone.now())
    goal_event(people[3], timezone.now())

    report = workflow_report(workflow, timezone.now() - timedelta(days=2), timezone.now())

    assert report["groups"]["treatment"]["customers"] == 3
    assert report["groups"]["treatment"]["converted"] == 1
    control = report["groups"]["control"]
    assert (control["customers"], control["converted"], control["held_out_at_entry"],
            control["split_holdout"]) == (3, 1, 2, 1)
    assert report["lift"]["absolute"] == 0.0
    assert report["verdict"]["kind"] == "not_enough_data"
    assert [v["version"] for v in report["versions"]] == [1]
    assert report["goal"] == {"event_type": "order.completed", "condition": None,
                              "value_property": None, "within_days": None}


# --- the API ---------------------------------------------------------------------------


def test_report_api_for_a_viewer(publish, client_as) -> None:
    workflow = publish(TAG, settings={"goal": {"event_type": "order.completed",
                                               "value_property": "amount"}})
    ann = person("ann")
    enter(workflow.pk, ann, timezone.now() - timedelta(days=1))

    response = client_as("viewer").get(f"/api/v1/workflows/{workflow.pk}/report")

    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == {
        "kind": "no_control",
        "text": "no control group: set one in settings to measure the effect"}
    assert body["groups"]["treatment"] == {"customers": 1, "converted": 0, "rate": 0.0,
                                           "rate_ci": {"low": 0.0, "high": pytest.approx(
                                               0.7935, abs=1e-4)},
                                           "value": 0.0, "value_per_customer": 0.0}
    assert body["groups"]["control"]["customers"] == 0
    assert body["groups"]["control"]["rate"] is None
    assert body["lift"] is None
    assert body["value"] == {"per_customer": None, "per_customer_ci": None,
                             "incremental": None, "incremental_ci": None}
    assert body["control_percent"] == 0


def test_report_without_goal_counts_entries(publish, client_as) -> None:
    workflow = publish(TAG, settings={"control_percent": 20})
    enter(workflow.pk, person("ann"), timezone.now() - timedelta(hours=1))
    body = client_as("viewer").get(f"/api/v1/workflows/{workflow.pk}/report").json()
    assert body["verdict"]["kind"] == "no_goal"
    assert body["groups"]["treatment"]["customers"] == 1
    assert body["groups"]["treatment"]["converted"] is None


def test_report_dates(publish, client_as) -> None:
    workflow = publish(TAG, settings={"goal": {"event_type": "order.completed"}})
    enter(workflow.pk, person("ann"), at())
    api = client_as("viewer")
    url = f"/api/v1/workflows/{workflow.pk}/report"

    inside = api.get(url, {"from": "2026-11-02", "to": "2026-11-03T00:00:00+00:00"}).json()
    outside = api.get(url, {"from": "2026-11-03", "to": "2026-11-04"}).json()

    assert inside["groups"]["treatment"]["customers"] == 1
    assert inside["from"].startswith("2026-11-02T00:00:00")
    assert outside["groups"]["treatment"]["customers"] == 0
    assert outside["verdict"]["kind"] == "no_data"


@pytest.mark.parametrize(("query", "field", "code"), [
    pytest.param({"from": "yesterday"}, "from", "invalid", id="from-not-a-date"),
    pytest.param({"to": "2026-13-01"}, "to", "invalid", id="to-not-a-date"),
    pytest.param({"from": "2026-11-02T10:00:00"}, "from", "invalid", id="no-offset"),
    pytest.param({"from": "2026-11-05", "to": "2026-11-05"}, "from", "invalid_range",
                 id="empty-period"),
    pytest.param({"from": "2020-01-01", "to": "2026-01-01"}, "from", "too_long",
                 id="too-long"),
])
def test_bad_dates_are_a_400_naming_the_field(publish, client_as, query, field, code) -> None:
    workflow = publish(TAG)
    response = client_as("viewer").get(f"/api/v1/workflows/{workflow.pk}/report", query)
    assert response.status_code == 400
    assert (field, code) in {(e["field"], e["code"]) for e in response.json()["errors"]}


def test_report_needs_a_login_and_a_known_workflow(publish, client, client_as) -> None:
    workflow = publish(TAG)
    assert client.get(f"/api/v1/workflows/{workflow.pk}/report").status_code in (401, 403)
    assert client_as("viewer").get("/api/v1/workflows/999999/report").status_code == 404


def test_report_with_an_api_key_with_read_scope(publish, key_client) -> None:
    workflow = publish(TAG)
    assert key_client("read").get(f"/api/v1/workflows/{workflow.pk}/report").status_code \
        == 200


def test_held_out_customers_are_counted_through_the_engine(publish) -> None:
    """The report over runs the engine made, not rows made by hand."""
    from apps.engine.events import events_handle
    from tests.engine.conftest import ingest
    from tests.engine.runs_helpers import advance_all

    workflow = publish(TAG, settings={"control_percent": 50,
                                      "goal": {"event_type": "order.completed"}})
    people = [person(f"p{i}") for i in range(20)]
    for someone in people:
        events_handle(ingest(someone.external_id, "feedback.submitted"))
    advance_all()
    held = sum(holdout_is_held_out(workflow.pk, p.pk, 50) for p in people)

    report = workflow_report(workflow, timezone.now() - timedelta(days=1),
                             timezone.now() + timedelta(seconds=1))

    assert report["groups"]["control"]["held_out_at_entry"] == held
    assert report["groups"]["treatment"]["customers"] == 20 - held


def test_a_new_goal_applies_to_the_whole_history(publish, publisher_user) -> None:
    """Conversions are counted when the report is asked for: a goal changed afterwards
    answers for the customers who entered before too (docs/reports.md)."""
    from apps.workflows.services import workflow_publish, workflow_save

    # Given a customer who entered a win-back and then renewed (not the goal: an order)
    workflow = publish(TAG, settings={"goal": {"event_type": "order.completed"}})
    ann = person("ann")
    enter(workflow.pk, ann, timezone.now() - timedelta(days=2))
    goal_event(ann, timezone.now() - timedelta(days=1), type_="subscription.renewed")
    period = (timezone.now() - timedelta(days=3), timezone.now())
    before = workflow_report(workflow, *period)["groups"]["treatment"]["converted"]

    # When the goal becomes the renewal, and the version is published
    workflow.refresh_from_db()
    workflow_save(workflow.pk, revision=workflow.draft_revision, user=publisher_user,
                  changes={"settings": {"goal": {"event_type": "subscription.renewed"}}})
    workflow = workflow_publish(workflow.pk, user=publisher_user)

    # then her renewal counts
    assert before == 0
    assert workflow_report(workflow, *period)["groups"]["treatment"]["converted"] == 1


def test_per_node_and_per_port_through_the_engine(publish) -> None:
    """An A/B split: each node counts the customers whose run passed it, and the split's
    ports count those who left by each (at the port's target)."""
    from apps.engine.events import events_handle
    from tests.engine.conftest import ingest
    from tests.engine.runs_helpers import advance_all

    split = node("s1", "flow.split", {"branches": [{"name": "a", "percent": 50},
                                                   {"name": "b", "percent": 50}]})
    workflow = publish(
        graph(trigger(), split, node("a1", "action.update_customer", {"add_tags": ["a"]}),
              node("b1", "action.update_customer", {"add_tags": ["b"]}),
              edges=[edge("t1", "s1"), edge("s1", "a1", "a"), edge("s1", "b1", "b")]),
        settings={"goal": {"event_type": "order.completed"}})
    people = [person(f"p{i}") for i in range(24)]
    for someone in people:
        events_handle(ingest(someone.external_id, "feedback.submitted"))
    advance_all()
    branch = dict(Run.objects.values_list("customer_id", "visits"))
    in_a = [p for p in people if "a1" in branch[p.pk]]
    for someone in in_a[:3]:  # three of branch a order
        goal_event(someone, timezone.now() + timedelta(seconds=1))

    report = workflow_report(workflow, timezone.now() - timedelta(days=1),
                             timezone.now() + timedelta(seconds=2))

    nodes = {n["node_id"]: n for n in report["nodes"]}
    assert list(nodes) == ["t1", "s1", "a1", "b1"]
    assert nodes["s1"]["groups"]["treatment"]["customers"] == 24
    assert nodes["s1"]["type"] == "flow.split"
    ports = {p["port"]: p for p in nodes["s1"]["ports"]}
    assert (ports["a"]["target"], ports["a"]["customers"], ports["a"]["converted"]) == (
        "a1", len(in_a), 3)
    assert (ports["b"]["customers"], ports["b"]["converted"]) == (24 - len(in_a), 0)
    assert nodes["a1"]["groups"]["treatment"]["converted"] == 3
    assert nodes["a1"]["ports"] == []
    assert 0 < len(in_a) < 24
