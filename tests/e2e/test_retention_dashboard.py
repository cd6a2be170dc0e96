"""The dashboard shows retention and churn over time in Chromium (issue 20): with a year
of purchase history, the figures of the last whole month, the chart per month with the
numbers behind a toggle, and the cohort table with shaded cells; another definition of
"a customer" without data says so; axe-core finds no serious violation. Driven by
retention_scenario.cjs."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from apps.customers.models import Customer, Event
from apps.reports.retention import month_start, next_month
from tests.e2e.test_canvas import scenario_run

_keys = itertools.count()


def months_back(today: date, n: int) -> date:
    """The first of the month n months before this one."""
    month = month_start(today)
    year, index = divmod(month.year * 12 + month.month - 1 - n, 12)
    return date(year, index + 1, 1)


def bought(name: str, first: date, last: date, day: int) -> None:
    """A customer who bought on this day of every month from `first` to `last`."""
    customer = Customer.objects.create(external_id=name)
    month = first
    while month <= last:
        when = datetime(month.year, month.month, day, 15, tzinfo=UTC)
        Event.objects.create(customer=customer, type="order.completed", properties={},
                             occurred_at=when, received_at=when,
                             idempotency_key=f"e2e-buy-{next(_keys)}")
        month = next_month(month)


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_shows_retention_and_cohorts(browser_ready, live_server, make_user,
                                                   tmp_path):
    # Given three customers who buy every month, one who stopped six months ago, and two
    # new ones since three months ago (every purchase before this month)
    today = timezone.now().date()
    for name in ("steady-1", "steady-2", "steady-3"):
        bought(name, months_back(today, 13), months_back(today, 1), 10)
    bought("gone", months_back(today, 13), months_back(today, 7), 10)
    for name in ("new-1", "new-2"):
        bought(name, months_back(today, 3), months_back(today, 1), 5)
    viewer = make_user("viewer")

    # When a viewer opens the dashboard
    seen = scenario_run(browser_ready, live_server, tmp_path, script="retention_scenario.cjs",
                        viewer=viewer.username)

    # Then the retention card says how fresh it is, with last month's figures: the three
    # steady and the two new customers, all kept
    assert seen["title"] == "Customers kept and lost"
    assert seen["as_of"].startswith("As of ")
    last_month = months_back(today, 1).strftime("%b %Y")
    assert [" ".join(text.split()) for text in seen["figures"]] == [
        f"Kept in {last_month} 100%", f"Lost in {last_month} 0%"]
    # a point per month, twelve whole months and this one so far (none on the 1st)
    months = 12 if today.day == 1 else 13
    assert seen["chart_points"] == months and seen["retention_dots"] == months
    assert seen["chart_label"].startswith("Share of customers kept and lost per month, "
                                          f"{months_back(today, 12).strftime('%b %Y')} to ")
    # the numbers behind the toggle, one row per month
    assert seen["table_hidden"] is True and seen["toggle_expanded"] == "true"
    assert len(seen["table_rows"]) == months
    assert seen["table_rows"][0].split("\t") == [
        months_back(today, 12).strftime("%b %Y"), "4", "4", "0", "100%", "0%"]
    # the cohort table: the two new customers' month, kept through every month end since
    assert seen["cohort_head"][:3] == ["First purchase", "New customers", "Month 1"]
    assert [row.split("\t") for row in seen["cohort_rows"]] == [
        [months_back(today, 3).strftime("%b %Y"), "2", "100%", "100%", "100%"]]
    assert seen["shaded"] == ["rgb(117, 201, 240)"] * 3  # hsl(199 80% 70%): all kept
    # no serious accessibility violation with the numbers shown
    assert [v for v in seen["violations"] if v["impact"] in ("serious", "critical")] == []
    # contracts: none recorded, so the empty state says so and the cohorts go
    assert seen["empty"] == "No contracts to measure yet"
    assert seen["cohorts_without_history"] == 0
    assert seen["page_errors"] == []
