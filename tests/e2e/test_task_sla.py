"""Response targets in the browser: an admin gives a queue a target on Settings → Task
queues (a refused field is named next to it), the dashboard counts the overdue task and
links to the inbox filtered to it, whose badge says it is overdue; a viewer reads the
settings and the weekly report. Driven in headless Chromium by task_sla_scenario.cjs."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from apps.customers.models import Customer
from apps.tasks.models import TaskQueue
from apps.tasks.services import task_create
from tests.e2e.test_canvas import scenario_run


def _task(customer: Customer, title: str, due_at: dt.datetime, key: str) -> None:
    task_create(customer=customer, kind="call_back", queue="retention", title=title, notes="",
                due_at=due_at, business_hours=False, priority="normal", idempotency_key=key)


@pytest.mark.django_db(transaction=True)
def test_a_queue_target_set_on_the_page_shows_in_the_inbox_and_dashboard(
        browser_ready, live_server, make_user, tmp_path):
    # Given a queue without a target, open every day 09:00-17:00 in UTC
    TaskQueue.objects.create(name="retention", timezone="UTC", weekdays="0,1,2,3,4,5,6")
    admin, viewer = make_user("admin"), make_user("viewer")

    # When the admin sets a target of 2 hours on the settings page
    seen = scenario_run(browser_ready, live_server, tmp_path, phase="settings",
                        script="task_sla_scenario.cjs", extra={"QUEUE": "retention"},
                        admin=admin.username)

    # Then the refused closing time is named next to it, and the target is saved
    assert seen["weekday_labels"][:2] == ["Monday", "Tuesday"]
    assert seen["summary_before"] == ("Every day, 09:00\u201317:00 (UTC) · no response target")
    assert seen["refused"] == ["Closing time must be after the opening time."]
    assert seen["refused_next_to"] == "Closes at"
    assert seen["saved"] == "Saved. New tasks in retention get this target."
    assert seen["summary_after"] == "Every day, 00:00\u201323:59 (UTC) · act within 2 hours"
    queue = TaskQueue.objects.get(name="retention")
    assert (queue.response_target_minutes, str(queue.closes)) == (120, "23:59:00")
    assert seen["page_errors"] == []

    # Given tasks made after it: one due 5 hours ago (overdue), one due 100 minutes ago
    # (at risk: 1.5 of its 2 hours gone), and one in a queue without a target
    customer = Customer.objects.create(external_id="c-1", first_name="Ada")
    now = timezone.now()
    _task(customer, "Call Ada", now - dt.timedelta(hours=5), "e2e:1")
    _task(customer, "Call Bea", now - dt.timedelta(minutes=100), "e2e:2")
    task_create(customer=customer, kind="follow_up", queue="vip", title="Write to Cleo",
                notes="", due_at=now, business_hours=False, priority="normal",
                idempotency_key="e2e:3")

    # When the admin opens the dashboard and follows its overdue count
    seen = scenario_run(browser_ready, live_server, tmp_path, phase="inbox",
                        script="task_sla_scenario.cjs", extra={"QUEUE": "retention"},
                        admin=admin.username)

    # Then the dashboard counts one overdue and one at risk; the inbox shows the overdue one
    lines = [line for line in seen["dashboard"].split("\n") if line.strip()]
    assert lines == ["Overdue tasks", "1", "Past their queue's response target",
                     "Tasks at risk", "1", "Three quarters of the time to respond gone"]
    assert seen["overdue_titles"] == ["Call Ada"] and seen["overdue_badges"] == ["Overdue"]
    assert re.fullmatch(r"was due .+ \([23] hours ago\)", seen["overdue_when"][0])
    assert seen["pressed"] == "true"
    by_title = {task["title"]: task for task in seen["open"]}
    assert by_title["Call Ada"]["badge"] == "Overdue"
    assert by_title["Call Bea"]["badge"] == "At risk"
    assert re.fullmatch(r"respond by .+ \(in (19|20) minutes\)", by_title["Call Bea"]["when"])
    assert by_title["Write to Cleo"] == {"title": "Write to Cleo", "badge": None, "when": None}
    assert seen["page_errors"] == []

    # When a viewer opens the settings
    seen = scenario_run(browser_ready, live_server, tmp_path, phase="viewer",
                        script="task_sla_scenario.cjs", extra={"QUEUE": "retention"},
                        viewer=viewer.username)

    # Then they read them without a way to change them, and the week's tasks in the report
    assert seen["notice"] == "Only admins can change these settings. You can read them."
    assert seen["disabled"] is True and seen["save_buttons"] == 0
    met, missed, pending = (sum(int(row[i]) for row in seen["report_rows"]) for i in (1, 2, 3))
    # Ada's is past its target, Bea's still in time; the report ends with this week, so
    # late on a Sunday (UTC) Bea's target, 20 minutes ahead, falls in next week's row
    bea_this_week = (now + dt.timedelta(minutes=20)).isocalendar()[:2] == \
        timezone.now().isocalendar()[:2]
    assert (met, missed, pending) == (0, 1, 1 if bea_this_week else 0)
    assert "retention" in seen["chart_label"]
    assert seen["page_errors"] == []
