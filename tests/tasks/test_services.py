"""Task lifecycle through the services: create once per key, claim, complete (emitting
task.completed), cancel, and refused transitions."""

import datetime as dt

import pytest
from django.db import transaction

from apps.customers.models import Event, EventSource
from apps.customers.selectors import customer_timeline
from apps.tasks.models import Task, TaskState
from apps.tasks.services import TaskError, task_cancel, task_claim, task_complete
from tests.tasks.conftest import MONDAY_10

pytestmark = pytest.mark.django_db


def test_create_returns_the_contract_and_moves_into_business_hours(make_task, customer):
    saturday = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)

    result = make_task(due_at=saturday)

    task = Task.objects.get()
    assert result == {"task_id": task.id, "due_at": "2026-11-30T09:00:00+00:00",
                      "status": "open"}
    assert (task.requested_due_at, task.state, task.customer, task.run_id, task.node_id) == \
        (saturday, TaskState.OPEN, customer, 1, "a1")


def test_same_idempotency_key_creates_one_task(make_task):
    first = make_task(idempotency_key="run:7:a1:1")
    again = make_task(idempotency_key="run:7:a1:1", title="something else")

    assert again == first
    assert Task.objects.count() == 1


def test_create_inside_a_failing_outer_transaction_leaves_nothing(make_task):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_task(idempotency_key="run:8:a1:1")
        raise RuntimeError("the engine's step failed")

    assert not Task.objects.exists()


def test_claim_then_complete_emits_task_completed(make_task, make_user, customer):
    agent = make_user("composer")
    task_id = make_task()["task_id"]
    now = MONDAY_10 + dt.timedelta(hours=1)

    claimed = task_claim(task_id, user=agent, now=now)
    done = task_complete(task_id, user=agent, outcome="saved", notes="agreed to stay", now=now)

    assert (claimed.state, claimed.assignee, claimed.claimed_at) == \
        (TaskState.IN_PROGRESS, agent, now)
    assert (done.state, done.outcome, done.closed_at, done.closed_by) == \
        (TaskState.DONE, "saved", now, agent)
    assert done.notes == "churn risk\n\nagreed to stay"
    event = Event.objects.get(type="task.completed")
    assert (event.customer, event.source, event.occurred_at) == \
        (customer, EventSource.INTERNAL, now)
    assert event.properties == {"task_id": task_id, "outcome": "saved", "kind": "call_back",
                                "queue": "retention"}


def test_complete_without_claiming_assigns_the_completer(make_task, make_user):
    agent = make_user("composer")
    task = task_complete(make_task()["task_id"], user=agent, outcome="not_reached")
    assert (task.state, task.assignee) == (TaskState.DONE, agent)


def test_claim_is_idempotent_for_the_holder_and_refused_for_others(make_task, make_user):
    ann, bob = make_user("composer"), make_user("composer")
    task_id = make_task()["task_id"]
    task_claim(task_id, user=ann)

    assert task_claim(task_id, user=ann).assignee == ann
    with pytest.raises(TaskError) as refused:
        task_claim(task_id, user=bob)
    assert refused.value.status == 409
    assert refused.value.body()["errors"][0]["field"] == "state"


@pytest.mark.parametrize("verb", ["claim", "complete", "cancel"])
def test_closed_tasks_refuse_every_transition(make_task, make_user, verb):
    agent = make_user("composer")
    task_id = make_task()["task_id"]
    task_cancel(task_id, user=agent, reason="duplicate")

    calls = {"claim": lambda: task_claim(task_id, user=agent),
             "complete": lambda: task_complete(task_id, user=agent, outcome="lost"),
             "cancel": lambda: task_cancel(task_id, user=agent)}
    participle = {"claim": "claimed", "complete": "completed", "cancel": "cancelled"}[verb]
    with pytest.raises(TaskError, match=f"cannot be {participle}: it is cancelled"):
        calls[verb]()
    assert not Event.objects.filter(type="task.completed").exists()


def test_unknown_outcome_is_a_400_naming_the_field(make_task, make_user):
    with pytest.raises(TaskError) as refused:
        task_complete(make_task()["task_id"], user=make_user("composer"), outcome="maybe")
    assert (refused.value.status, refused.value.field) == (400, "outcome")


def test_tasks_show_in_the_customer_timeline(make_task, customer):
    make_task(title="Call Ada back")

    items = [item for item in customer_timeline(customer) if item["kind"] == "task"]

    assert [(i["title"], i["data"]["state"], i["data"]["queue"]) for i in items] == \
        [("Call Ada back", "open", "retention")]
