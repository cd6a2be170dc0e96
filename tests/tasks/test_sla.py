"""Response targets (SLA) on agent tasks: open-hours arithmetic, where a task stands, the
overdue event once per task, the inbox filter, the dashboard counts, the weekly report
and the queues' settings."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.customers.models import Event
from apps.tasks.business_hours import BusinessHours
from apps.tasks.models import Task, TaskQueue
from apps.tasks.sla import sla_state, sla_summary, sla_weekly, tasks_overdue_note
from tests.tasks.conftest import MONDAY_10

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = BusinessHours(timezone="Europe/Berlin", weekdays=frozenset({0, 1, 2, 3, 4}),
                      opens=dt.time(9), closes=dt.time(17))
H = dt.timedelta(hours=1)


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("start", "working", "expected"),
    [
        # 2026-11-27 is a Friday: 2 h left that day, 2 h on Monday from 09:00
        pytest.param(berlin(2026, 11, 27, 15, 0), 4 * H, berlin(2026, 11, 30, 11, 0),
                     id="over-the-weekend"),
        pytest.param(berlin(2026, 11, 23, 10, 0), 4 * H, berlin(2026, 11, 23, 14, 0),
                     id="same-day"),
        pytest.param(berlin(2026, 11, 23, 10, 0), 7 * H, berlin(2026, 11, 23, 17, 0),
                     id="exactly-at-closing"),
        pytest.param(berlin(2026, 11, 23, 20, 0), 1 * H, berlin(2026, 11, 24, 10, 0),
                     id="starts-after-hours"),
        # 16 h = two full days: Mon 10:00 + 7 h (to 17:00) + 8 h (Tue) + 1 h (Wed 10:00)
        pytest.param(berlin(2026, 11, 23, 10, 0), 16 * H, berlin(2026, 11, 25, 10, 0),
                     id="several-days"),
        # 2027-03-26 is a Friday; the clocks go forward on Sunday the 28th: still 11:00 local
        pytest.param(berlin(2027, 3, 26, 15, 0), 4 * H, berlin(2027, 3, 29, 11, 0),
                     id="over-a-dst-change"),
    ],
)
def test_add_working_time_counts_open_hours_only(start, working, expected):
    assert HOURS.add_working_time(start, working) == expected
    assert HOURS.working_time_between(start, expected) == working


def test_working_time_between_is_zero_backwards_and_outside_hours():
    assert HOURS.working_time_between(berlin(2026, 11, 23, 12), berlin(2026, 11, 23, 11)) == \
        dt.timedelta()
    assert HOURS.working_time_between(berlin(2026, 11, 28, 9), berlin(2026, 11, 29, 17)) == \
        dt.timedelta()  # a weekend


@pytest.fixture
def four_hour_queue(db) -> TaskQueue:
    """UTC 09:00-17:00 on weekdays; call back within 4 open hours."""
    return TaskQueue.objects.create(name="retention", timezone="UTC",
                                    response_target_minutes=240)


def test_a_task_gets_its_target_from_its_queue(four_hour_queue, make_task):
    # Due Monday 10:00 UTC: 4 h -> 14:00; at risk after 3 h -> 13:00
    task = Task.objects.get(pk=make_task(due_at=MONDAY_10)["task_id"])
    assert (task.respond_by, task.at_risk_at) == (MONDAY_10 + 4 * H, MONDAY_10 + 3 * H)
    other = Task.objects.get(pk=make_task(queue="vip_desk")["task_id"])
    assert (other.respond_by, sla_state(other, MONDAY_10)) == (None, None)


def test_the_global_target_applies_to_queues_without_a_row(settings, make_task):
    settings.KEEPFLOW_TASK_RESPONSE_TARGET_MINUTES = 60
    task = Task.objects.get(pk=make_task(queue="anything", due_at=MONDAY_10)["task_id"])
    assert task.respond_by == MONDAY_10 + H


def test_where_a_task_stands(four_hour_queue, make_task):
    task = Task.objects.get(pk=make_task(due_at=MONDAY_10)["task_id"])
    assert sla_state(task, MONDAY_10 + 2 * H) == "on_track"
    assert sla_state(task, MONDAY_10 + 3 * H) == "at_risk"
    assert sla_state(task, MONDAY_10 + 4 * H) == "overdue"
    task.complete()
    task.closed_at = MONDAY_10 + 4 * H
    assert sla_state(task, MONDAY_10 + 9 * H) == "met"  # done exactly at the target
    task.closed_at = MONDAY_10 + 5 * H
    assert sla_state(task, MONDAY_10 + 9 * H) == "missed"
    cancelled = Task.objects.get(pk=make_task(due_at=MONDAY_10)["task_id"])
    cancelled.cancel()
    assert sla_state(cancelled, MONDAY_10 + 9 * H) is None


def test_overdue_event_is_emitted_once_per_task(four_hour_queue, make_task):
    late = make_task(due_at=MONDAY_10)["task_id"]
    make_task(due_at=MONDAY_10 + 2 * H)  # respond by 16:00
    done = make_task(due_at=MONDAY_10)["task_id"]
    Task.objects.filter(pk=done).update(state="done", closed_at=MONDAY_10 + H)

    at_1430 = MONDAY_10 + dt.timedelta(hours=4, minutes=30)
    assert tasks_overdue_note(at_1430) == 1
    assert tasks_overdue_note(at_1430) == 0  # noted: never again
    event = Event.objects.get(type="task.overdue")
    assert event.properties["task_id"] == late
    assert event.properties["queue"] == "retention"
    assert event.properties["respond_by"] == "2026-11-23T14:00:00+00:00"
    assert event.occurred_at == MONDAY_10 + 4 * H
    assert tasks_overdue_note(MONDAY_10 + 7 * H) == 1  # the second one, at 16:00
    assert Event.objects.filter(type="task.overdue").count() == 2


def test_a_backlog_is_worked_off_in_batches_oldest_first(four_hour_queue, make_task):
    ids = [make_task(due_at=MONDAY_10 + dt.timedelta(minutes=i))["task_id"] for i in range(5)]
    later = MONDAY_10 + dt.timedelta(days=1)
    assert tasks_overdue_note(later, limit=2) == 2
    noted = set(Task.objects.filter(overdue_noted_at__isnull=False).values_list("pk", flat=True))
    assert noted == set(ids[:2])
    assert tasks_overdue_note(later, limit=2) == 2
    assert tasks_overdue_note(later, limit=2) == 1
    assert Event.objects.filter(type="task.overdue").count() == 5


def test_dashboard_counts_at_risk_and_overdue_per_queue(four_hour_queue, make_task):
    make_task(due_at=MONDAY_10)  # overdue at 14:30
    make_task(due_at=MONDAY_10 + dt.timedelta(hours=1, minutes=15))  # 15:15: at risk 14:15
    make_task(due_at=MONDAY_10 + 4 * H)  # on track
    summary = sla_summary(MONDAY_10 + dt.timedelta(hours=4, minutes=30))
    assert summary == {"at_risk": 1, "overdue": 1,
                       "queues": [{"queue": "retention", "at_risk": 1, "overdue": 1}]}


def test_weekly_report_share_met(four_hour_queue, make_task):
    """Hand computation, week of Monday 2026-11-23: four tasks with targets that week.
    A done at 12:00 (target 14:00): met. B done at 15:00 (target 14:00): missed.
    C open, target 14:00, asked at 15:00: missed. D cancelled: not counted.
    E open, target Tuesday 12:00, asked Monday 15:00: pending.
    share met = 1 / (1 + 2) = 0.3333."""
    a, b, c, d = (make_task(due_at=MONDAY_10)["task_id"] for _ in range(4))
    make_task(due_at=MONDAY_10 + dt.timedelta(days=1))  # E
    Task.objects.filter(pk=a).update(state="done", closed_at=MONDAY_10 + 2 * H)
    Task.objects.filter(pk=b).update(state="done", closed_at=MONDAY_10 + 5 * H)
    Task.objects.filter(pk=d).update(state="cancelled", closed_at=MONDAY_10 + H)
    assert c
    rows = sla_weekly(MONDAY_10 - dt.timedelta(days=7), MONDAY_10 + dt.timedelta(days=7),
                      now=MONDAY_10 + 5 * H)
    assert rows == [{"queue": "retention", "week": dt.date(2026, 11, 23), "met": 1,
                     "missed": 2, "pending": 1, "share_met": 0.3333}]


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_inbox_shows_and_filters_by_target(four_hour_queue, make_task, client_as):
    now = timezone.now()
    overdue, at_risk, on_track = (make_task()["task_id"] for _ in range(3))
    Task.objects.filter(pk=overdue).update(respond_by=now - H, at_risk_at=now - 2 * H)
    Task.objects.filter(pk=at_risk).update(respond_by=now + H, at_risk_at=now - H)
    Task.objects.filter(pk=on_track).update(respond_by=now + 4 * H, at_risk_at=now + 3 * H)
    client = client_as("viewer")

    assert _ids(client.get("/api/v1/tasks?sla=overdue")) == [overdue]
    assert _ids(client.get("/api/v1/tasks?sla=at_risk")) == [at_risk]
    assert _ids(client.get("/api/v1/tasks?sla=on_track")) == [on_track]
    row = client.get(f"/api/v1/tasks/{at_risk}").json()
    assert row["sla"] == "at_risk" and row["respond_by"]
    bad = client.get("/api/v1/tasks?sla=late")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "sla"
    summary = client.get("/api/v1/tasks/sla").json()
    assert (summary["at_risk"], summary["overdue"]) == (1, 1)


def test_weekly_report_over_http(four_hour_queue, make_task, client_as):
    task = make_task(due_at=MONDAY_10)["task_id"]
    Task.objects.filter(pk=task).update(state="done", closed_at=MONDAY_10 + H)
    client = client_as("viewer")
    rows = client.get("/api/v1/reports/task-sla?from=2026-11-01&to=2026-12-01").json()
    assert rows == [{"queue": "retention", "week": "2026-11-23", "met": 1, "missed": 0,
                     "pending": 0, "share_met": 1.0}]
    bad = client.get("/api/v1/reports/task-sla?from=tomorrow")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "from"


def test_admins_set_a_queues_hours_and_target(db, client_as):
    body = {"name": "vip_desk", "timezone": "Europe/Berlin", "weekdays": [4, 0, 1],
            "opens": "08:00", "closes": "18:00", "response_target_minutes": 120}
    assert client_as("publisher").post("/api/v1/task-queues", body,
                                       format="json").status_code == 403
    admin = client_as("admin")
    created = admin.post("/api/v1/task-queues", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["weekdays"] == [0, 1, 4]
    assert TaskQueue.objects.get(name="vip_desk").rules().response_target == 2 * H
    changed = admin.patch("/api/v1/task-queues/vip_desk", {"response_target_minutes": None},
                          format="json")
    assert changed.status_code == 200 and changed.json()["response_target_minutes"] is None
    for field, value in [("weekdays", [7]), ("closes", "07:00"), ("timezone", "Mars/Base"),
                         ("response_target_minutes", 0)]:
        refused = admin.patch("/api/v1/task-queues/vip_desk", {field: value}, format="json")
        assert refused.status_code == 400, (field, refused.json())
        assert refused.json()["errors"][0]["field"].startswith(field)  # weekdays.0
    assert client_as("viewer").get("/api/v1/task-queues").json()[0]["name"] == "vip_desk"
