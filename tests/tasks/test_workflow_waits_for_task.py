"""A workflow creates a call-back task and waits for task.completed: an agent completes
the task through the API, and a real Celery worker resumes the run on the outcome."""

import time
from collections.abc import Callable

import pytest
from celery.contrib.testing.worker import start_worker

from apps.accounts.models import User
from apps.config.celery import app
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer
from apps.engine.models import Run, RunState
from apps.tasks.models import Task
from apps.workflows.services import workflow_create, workflow_publish
from tests.broker import broker_purge
from tests.workflows.graphs import edge, graph, node, trigger

TIMEOUT = 60.0
SAVED = {"all": [{"field": "event.properties.outcome", "op": "eq", "value": "saved"}]}


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def call_back_graph() -> dict:
    return graph(
        trigger(),
        node("tk", "action.create_task", {"kind": "call_back", "queue": "retention",
                                          "title": "Call {{ customer.first_name }}",
                                          "due_in": "1h", "business_hours": False}),
        node("we", "flow.wait_for_event", {"event_type": "task.completed", "condition": SAVED,
                                           "timeout": "7d"}),
        node("ok", "action.update_customer", {"add_tags": ["saved_by_call"]}),
        edges=[edge("t1", "tk"), edge("tk", "we"), edge("we", "ok", "happened")],
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_completing_the_task_resumes_the_waiting_run(client_as):
    publisher = User.objects.create_user(username="pub", password="pw-pub", role="publisher")
    workflow, result = workflow_create(name="call back", graph=call_back_graph(), settings={},
                                       user=publisher)
    assert not result.errors, result.errors
    workflow_publish(workflow.pk, user=publisher)
    customer = Customer.objects.create(external_id="c-1", first_name="Ada")
    agent = client_as("composer")
    broker_purge()

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        events_ingest([EventIn("c-1", "feedback.submitted", {"score": 2})])
        wait_for(lambda: Run.objects.filter(state=RunState.WAITING).exists()
                 and Task.objects.exists(), "the run to wait for the task")
        task = Task.objects.get()
        assert agent.post(f"/api/v1/tasks/{task.id}/claim").status_code == 200
        response = agent.post(f"/api/v1/tasks/{task.id}/complete", {"outcome": "saved"},
                              format="json")
        assert response.status_code == 200
        wait_for(lambda: Run.objects.filter(state=RunState.COMPLETED).exists(),
                 "task.completed to resume the run")

    run = Run.objects.get()
    assert (task.run_id, task.workflow_id, task.node_id, task.title) == \
        (run.pk, workflow.pk, "tk", "Call Ada")
    customer.refresh_from_db()
    assert "saved_by_call" in customer.tags
