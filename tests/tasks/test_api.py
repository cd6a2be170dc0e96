"""GET /api/v1/tasks (the inbox) and the claim / complete / cancel actions."""

import datetime as dt

import pytest

from apps.customers.models import Customer, Event
from apps.tasks.models import Task
from tests.tasks.conftest import MONDAY_10

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_inbox_lists_by_due_time_with_filters(client_as, make_task, make_user):
    other = Customer.objects.create(external_id="c-2")
    late = make_task(due_at=MONDAY_10 + dt.timedelta(days=2))["task_id"]
    soon = make_task(due_at=MONDAY_10)["task_id"]
    vip = make_task(queue="vip_desk", customer=other,
                    due_at=MONDAY_10 + dt.timedelta(hours=1))["task_id"]
    Task.objects.filter(pk=late).update(state="in_progress", assignee=make_user("composer"))
    client = client_as("viewer")

    assert _ids(client.get("/api/v1/tasks")) == [soon, vip, late]
    assert _ids(client.get("/api/v1/tasks?queue=retention")) == [soon, late]
    assert _ids(client.get("/api/v1/tasks?state=open")) == [soon, vip]
    assert _ids(client.get("/api/v1/tasks?state=open&state=in_progress")) == [soon, vip, late]
    assert _ids(client.get("/api/v1/tasks?customer=c-2")) == [vip]
    assert _ids(client.get("/api/v1/tasks?assignee=none")) == [soon, vip]
    row = client.get(f"/api/v1/tasks/{soon}").json()
    assert (row["customer"], row["state"], row["due_at"], row["assignee"]) == \
        ("c-1", "open", "2026-11-23T10:00:00Z", None)


def test_assignee_me_is_the_signed_in_agent(client_as, make_task, make_user):
    agent = make_user("composer")
    mine = make_task()["task_id"]
    make_task()
    Task.objects.filter(pk=mine).update(assignee=agent)
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(agent)
    assert _ids(client.get("/api/v1/tasks?assignee=me")) == [mine]
    assert _ids(client.get(f"/api/v1/tasks?assignee={agent.username}")) == [mine]


def test_bad_filter_value_is_a_400_naming_the_field(client_as):
    response = client_as("viewer").get("/api/v1/tasks?state=sleeping")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "state"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("viewer", False), ("composer", True), ("publisher", True), ("admin", True)],
)
def test_who_may_work_tasks(client_as, make_task, role, allowed):
    client = client_as(role)
    first, second, third = (make_task()["task_id"] for _ in range(3))

    claim = client.post(f"/api/v1/tasks/{first}/claim")
    complete = client.post(f"/api/v1/tasks/{second}/complete", {"outcome": "reached"},
                           format="json")
    cancel = client.post(f"/api/v1/tasks/{third}/cancel", {}, format="json")

    expected = 200 if allowed else 403
    assert (claim.status_code, complete.status_code, cancel.status_code) == \
        (expected, expected, expected)
    assert Event.objects.filter(type="task.completed").exists() is allowed


def test_claim_complete_round_trip(client_as, make_task):
    client = client_as("composer")
    task_id = make_task()["task_id"]

    claimed = client.post(f"/api/v1/tasks/{task_id}/claim").json()
    done = client.post(f"/api/v1/tasks/{task_id}/complete",
                       {"outcome": "saved", "notes": "10% off accepted"}, format="json")

    assert claimed["state"] == "in_progress" and claimed["assignee"].startswith("composer")
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["outcome"]) == ("done", "saved")


def test_complete_without_outcome_names_the_field(client_as, make_task):
    response = client_as("composer").post(
        f"/api/v1/tasks/{make_task()['task_id']}/complete", {"outcome": "maybe"}, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["outcome"]


def test_refused_transition_is_a_409(client_as, make_task):
    client = client_as("composer")
    task_id = make_task()["task_id"]
    client.post(f"/api/v1/tasks/{task_id}/cancel", {"reason": "duplicate"}, format="json")

    response = client.post(f"/api/v1/tasks/{task_id}/claim")

    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": "state", "code": "transition_not_allowed",
                                          "message": "This task cannot be claimed: it is "
                                                     "cancelled."}]


def test_an_api_key_cannot_claim_but_can_read(key_client, make_task):
    task_id = make_task()["task_id"]
    admin = key_client("admin")

    assert admin.get("/api/v1/tasks").status_code == 200
    response = admin.post(f"/api/v1/tasks/{task_id}/claim")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "assignee"
    assert key_client("read").post(f"/api/v1/tasks/{task_id}/claim").status_code == 403


def test_unknown_task_is_a_404(client_as):
    assert client_as("composer").post("/api/v1/tasks/999999/claim").status_code == 404
