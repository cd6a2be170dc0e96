"""One interpreter: for random valid workflows, customers and later events, a dry run
(apps/workflows/dryrun.py) shows exactly what the engine does on PostgreSQL.

Each example publishes a generated workflow (event trigger, filters and branches on the
customer's attributes and tags, an A/B split with a holdout, waits, waits for events,
exits, SMS, e-mail, profile changes and agent tasks wired into a random DAG), dry-runs it
for a real customer, then lets the engine run it for real: the event is ingested and
handled (events_handle starts the run and advances it in place), and the clock moves to
the next thing pending (a due wait or a later event), where the events are ingested and
handled, the scheduler's `timers_wake` fires what is due and `runs_advance` goes on,
until the run ends. Nothing sleeps: `django.utils.timezone.now` is the test's clock.

Then path, ports, outcome, error, variables, messages, tasks and the final profile must
be equal. Each example runs in a savepoint that is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.accounts.models import User
from apps.customers.models import Customer
from apps.engine.events import events_handle
from apps.engine.interpreter import runs_advance
from apps.engine.models import ACTIVE_STATES, Run, Step, Wait
from apps.engine.timers import timers_wake
from apps.messaging.models import Message
from apps.tasks.models import Task
from apps.workflows.dryrun import WalkResult, graph_walk
from apps.workflows.models import Workflow
from apps.workflows.services import workflow_create, workflow_publish
from tests.engine.conftest import ingest

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
TRIGGER_TYPE = "feedback.submitted"
AWAITED = ("app.opened", "offer.redeemed")
TEXT = ("Hi {{ customer.first_name }}: plan={{ customer.attributes.plan }} "
        "score={{ customer.attributes.score }} tags={{ customer.tags | join: ',' }} "
        "tier={{ customer.tier }}")
# Outputs that name rows or say what storage did with them (a dry run stores nothing).
STORAGE_KEYS = frozenset({"message_id", "task_id", "status", "reason", "error", "due_at",
                          "scheduled_at"})

LEAVES = [
    {"field": "customer.attributes.plan", "op": "eq", "value": "pro"},
    {"field": "customer.attributes.plan", "op": "exists"},
    {"field": "customer.attributes.score", "op": "gte", "value": 5},
    {"field": "customer.tags", "op": "contains", "value": "vip"},
    {"field": "customer.tier", "op": "eq", "value": "gold"},
    {"field": "event.properties.score", "op": "lte", "value": 6},
]
PROFILE_CHANGES = [
    {"set_attributes": {"plan": "pro"}},
    {"set_attributes": {"plan": None}},  # removes it (the drift the issue names)
    {"set_attributes": {"score": 9, "note": "{{ customer.attributes.plan }}"}},
    {"add_tags": ["vip"]},
    {"remove_tags": ["vip"], "add_tags": ["new"]},
    {"tier": "gold"},
    # Fails the run while the score is missing ("divided by 0"): a failure both must show.
    {"set_attributes": {"ratio": "{{ 10 | divided_by: customer.attributes.score }}"}},
]


def conditions() -> st.SearchStrategy[dict[str, Any]]:
    leaves = st.lists(st.sampled_from(LEAVES), min_size=1, max_size=2)
    return st.one_of(leaves.map(lambda items: {"all": items}),
                     leaves.map(lambda items: {"any": items}),
                     st.sampled_from(LEAVES).map(lambda leaf: {"not": leaf}))


@st.composite
def blocks(draw: st.DrawFn) -> tuple[str, dict[str, Any], list[str]]:
    """A block type, its config and its output ports."""
    kind = draw(st.sampled_from(["filter", "branch", "split", "wait", "wait_for_event",
                                 "exit", "send_sms", "send_email", "update_customer",
                                 "create_task"]))
    if kind == "filter":
        return "flow.filter", {"condition": draw(conditions())}, ["yes", "no"]
    if kind == "branch":
        return "flow.branch", {"branches": [
            {"name": "first", "condition": draw(conditions())},
            {"name": "second", "condition": draw(conditions())}]}, ["first", "second", "else"]
    if kind == "split":
        return "flow.split", {"branches": [{"name": "a", "percent": 50},
                                           {"name": "b", "percent": 30}],
                              "holdout_percent": 20}, ["a", "b", "holdout"]
    if kind == "wait":
        return "flow.wait", {"mode": "duration",
                             "duration": draw(st.sampled_from(["1h", "2h", "1d"]))}, ["out"]
    if kind == "wait_for_event":
        config: dict[str, Any] = {
            "event_type": draw(st.sampled_from([*AWAITED, TRIGGER_TYPE])),
            "timeout": draw(st.sampled_from(["1h", "3h", "1d"]))}
        if draw(st.booleans()):
            config["condition"] = {"all": [{"field": "event.properties.amount", "op": "gte",
                                            "value": 10}]}
        return "flow.wait_for_event", config, ["happened", "timeout"]
    if kind == "exit":
        return "flow.exit", {"reason": "done"}, []
    if kind == "send_sms":
        return "action.send_sms", {"body": TEXT, "category": "transactional"}, ["out"]
    if kind == "send_email":
        return "action.send_email", {"subject": "For {{ customer.first_name }}", "body": TEXT,
                                     "format": "text", "category": "transactional"}, ["out"]
    if kind == "update_customer":
        return "action.update_customer", draw(st.sampled_from(PROFILE_CHANGES)), ["out"]
    return "action.create_task", {"kind": "call_back", "queue": "retention",
                                  "title": "Call {{ customer.first_name }} ({{ "
                                           "customer.attributes.plan }})",
                                  "due_in": draw(st.sampled_from(["1h", "1d"])),
                                  "business_hours": False}, ["out"]


@st.composite
def workflows(draw: st.DrawFn) -> dict[str, Any]:
    """A valid DAG: every node is fed by an earlier one; ports feed up to two later
    nodes (parallel branches), in a random edge order."""
    trigger_config: dict[str, Any] = {"event_type": TRIGGER_TYPE}
    if draw(st.booleans()):
        trigger_config["condition"] = draw(conditions())
    nodes = [{"id": "t1", "type": "trigger.event", "config": trigger_config}]
    ports = {"t1": ["out"]}
    for index in range(draw(st.integers(min_value=1, max_value=7))):
        block_type, config, block_ports = draw(blocks())
        node_id = f"n{index + 1}"
        nodes.append({"id": node_id, "type": block_type, "config": config})
        ports[node_id] = block_ports
    edges: list[tuple[str, str, str]] = []
    ids = [node["id"] for node in nodes]
    for position, target in enumerate(ids[1:], start=1):
        sources = [(source, port) for source in ids[:position] for port in ports[source]]
        for source, port in draw(st.lists(st.sampled_from(sources), min_size=1, max_size=2,
                                          unique=True)):
            edges.append((source, port, target))
    edges = draw(st.permutations(edges))
    return {"schema_version": 1, "nodes": nodes,
            "edges": [{"source": s, "source_port": p, "target": t} for s, p, t in edges]}


customers = st.fixed_dictionaries({
    "first_name": st.sampled_from(["Ada", "Bo"]),
    "attributes": st.fixed_dictionaries({}, optional={
        "plan": st.sampled_from(["pro", "basic"]), "score": st.sampled_from([3, 7])}),
    "tags": st.lists(st.sampled_from(["vip", "new"]), unique=True, max_size=2),
    "tier": st.sampled_from(["", "silver", "gold"]),
})
later_events = st.lists(st.fixed_dictionaries({
    "type": st.sampled_from([*AWAITED, *AWAITED, "noise.event"]),
    "properties": st.fixed_dictionaries({"amount": st.sampled_from([5, 20])}),
    "minutes": st.sampled_from([0, 30, 60, 120, 180, 1440, 2880]),
}), max_size=3)


class Clock:
    """`timezone.now` for the engine: moved forward, never slept through."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def engine_run(workflow: Workflow, customer: Customer, score: int,
               later: list[dict[str, Any]], clock: Clock) -> Run | None:
    """The engine's real entry and real functions, time moved to each next thing."""
    # Stored a moment before it is handled, as live (a wait for its type needs a later one).
    clock.now = T0 - timedelta(milliseconds=5)
    stored = ingest(customer.external_id, TRIGGER_TYPE, {"score": score})
    clock.now = T0
    events_handle(stored)
    run = Run.objects.filter(workflow=workflow).first()
    if run is None:
        return None
    pending = sorted(later, key=lambda item: item["at"])  # stable: the case's order
    for _ in range(100):
        run.refresh_from_db()
        if run.state not in ACTIVE_STATES:
            return run
        times = list(Wait.objects.filter(run=run, fired_at__isnull=True)
                     .values_list("wake_at", flat=True))
        times += [item["at"] for item in pending]
        if not times:
            return run
        clock.now = max(clock.now, min(times))
        while pending and pending[0]["at"] <= clock.now:
            item = pending.pop(0)
            events_handle(ingest(customer.external_id, item["type"], item["properties"]))
        timers_wake(now=clock.now)
        runs_advance([run.pk], now=clock.now)
    raise AssertionError("the run did not come to rest")


def plain_outputs(variables: dict[str, Any]) -> dict[str, Any]:
    return {node: {key: value for key, value in output.items() if key not in STORAGE_KEYS}
            for node, output in variables.items()}


def engine_view(run: Run | None, workflow: Workflow, customer: Customer) -> dict[str, Any]:
    customer.refresh_from_db()
    profile = (customer.attributes, customer.tags, customer.tier)
    if run is None:
        return {"outcome": "not_triggered", "error": None, "path": [], "variables": {},
                "messages": [], "tasks": [], "profile": profile}
    steps = list(Step.objects.filter(run=run).order_by("id"))
    resumed = {(s.node_id, s.visit): s.port for s in steps if s.outcome == "resume"}
    path = []
    for step in steps:
        if step.outcome == "continue":
            path.append((step.node_id, step.port))
        elif step.outcome in ("wait", "wait_event"):
            path.append((step.node_id, resumed.get((step.node_id, step.visit))))
        elif step.outcome != "resume":
            path.append((step.node_id, None))
    return {
        "outcome": run.state, "error": run.error or None, "path": path,
        "variables": plain_outputs(run.variables),
        "messages": [(m.node_id, m.channel, m.subject, m.body) for m in
                     Message.objects.filter(workflow_id=workflow.pk).order_by("id")],
        "tasks": [(t.node_id, t.kind, t.queue, t.title, t.due_at.isoformat()) for t in
                  Task.objects.filter(workflow_id=workflow.pk).order_by("id")],
        "profile": profile,
    }


def dry_view(result: WalkResult, customer: Customer) -> dict[str, Any]:
    channels = {"send_sms": "sms", "send_email": "email"}
    effects = result.effects
    final = result.customer or customer
    return {
        "outcome": result.outcome, "error": result.error,
        "path": [(step["node"], step["port"]) for step in result.steps],
        "variables": plain_outputs(result.variables),
        "messages": [(e["node"], channels[e["type"]], e.get("subject", ""), e["body"])
                     for e in effects if e["type"] in channels],
        "tasks": [(e["node"], e["kind"], e["queue"], e["title"], e["due_at"])
                  for e in effects if e["type"] == "create_task"],
        "profile": (final.attributes, final.tags, final.tier),
    }


def features(result: WalkResult) -> list[str]:
    """What an example exercised (shown by --hypothesis-show-statistics)."""
    seen = [f"outcome: {result.outcome}"]
    details = [str(step["detail"]) for step in result.steps]
    if any(detail.endswith(" happened") for detail in details):
        seen.append("a wait resumed by an event")
    if any(detail.startswith("no ") for detail in details):
        seen.append("a wait timed out")
    if any(step["outcome"] == "WaitUntil" for step in result.steps):
        seen.append("a timer")
    if len(result.path) != len(set(result.path)):
        seen.append("a node ran twice (parallel branches joined)")
    if any(step["port"] == "holdout" for step in result.steps):
        seen.append("the split's holdout")
    return seen


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(graph=workflows(), profile=customers, score=st.sampled_from([2, 8]),
       later=later_events)
def test_a_dry_run_shows_what_the_engine_does(publisher_user: User, graph: dict[str, Any],
                                              profile: dict[str, Any], score: int,
                                              later: list[dict[str, Any]]) -> None:
    clock = Clock(T0)
    timed = [{**item, "at": T0 + timedelta(minutes=item["minutes"])} for item in later]
    with rolled_back(), mock.patch("django.utils.timezone.now", clock):
        # Given a published workflow and a customer
        workflow, result = workflow_create(name="generated", graph=graph,
                                           user=publisher_user)
        assert not result.errors, result.errors
        workflow = workflow_publish(workflow.pk, user=publisher_user)
        customer = Customer.objects.create(external_id="c-prop", **profile)
        version = workflow.published_version
        assert version is not None
        # When it is dry-run, then run by the engine
        dry = graph_walk(version.resolved_graph or version.graph, {
            "customer": customer.external_id, "now": T0,
            "event": {"type": TRIGGER_TYPE, "properties": {"score": score}},
            "later_events": [{"type": item["type"], "properties": item["properties"],
                              "at": item["at"]} for item in timed],
        }, workflow)
        expected = dry_view(dry, customer)
        run = engine_run(workflow, customer, score, timed, clock)
        # Then both did the same
        actual = engine_view(run, workflow, customer)
        for what in features(dry):
            event(what)
        assert actual == expected, "\n".join(
            f"{key}:\n  engine {actual[key]}\n  dry    {expected[key]}"
            for key in expected if actual[key] != expected[key]) + f"\n{graph}\n{later}"
