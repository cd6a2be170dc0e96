"""Due times move into business hours: a table of moments and where they end up."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from apps.tasks.business_hours import BusinessHours
from apps.tasks.models import TaskQueue
from apps.tasks.services import task_due_at

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = BusinessHours(timezone="Europe/Berlin", weekdays=frozenset({0, 1, 2, 3, 4}),
                      opens=dt.time(9), closes=dt.time(17))


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        # 2026-11-23 is a Monday
        pytest.param(berlin(2026, 11, 23, 10, 30), berlin(2026, 11, 23, 10, 30), id="inside"),
        pytest.param(berlin(2026, 11, 23, 9, 0), berlin(2026, 11, 23, 9, 0), id="at-opening"),
        pytest.param(berlin(2026, 11, 23, 7, 15), berlin(2026, 11, 23, 9, 0),
                     id="early-morning-same-day"),
        pytest.param(berlin(2026, 11, 23, 17, 0), berlin(2026, 11, 24, 9, 0),
                     id="at-closing-next-day"),
        pytest.param(berlin(2026, 11, 23, 22, 0), berlin(2026, 11, 24, 9, 0), id="evening"),
        pytest.param(berlin(2026, 11, 27, 18, 0), berlin(2026, 11, 30, 9, 0),
                     id="friday-evening-to-monday"),
        pytest.param(berlin(2026, 11, 28, 12, 0), berlin(2026, 11, 30, 9, 0),
                     id="saturday-to-monday"),
        pytest.param(berlin(2026, 11, 29, 23, 59), berlin(2026, 11, 30, 9, 0),
                     id="sunday-night"),
        # 23:30 UTC on Monday is 00:30 Tuesday in Berlin
        pytest.param(dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC),
                     berlin(2026, 11, 24, 9, 0), id="utc-input-converted"),
        # DST: Sunday 2026-03-29 the clocks jump; Monday opens at 09:00 CEST (07:00 UTC)
        pytest.param(berlin(2026, 3, 28, 20, 0), dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC),
                     id="across-dst-start"),
        pytest.param(berlin(2026, 10, 23, 20, 0), dt.datetime(2026, 10, 26, 8, 0, tzinfo=dt.UTC),
                     id="across-dst-end"),
    ],
)
def test_next_opening(due, expected):
    assert HOURS.next_opening(due) == expected


def test_weekend_queue_and_short_hours():
    hours = BusinessHours(timezone="America/New_York", weekdays=frozenset({5, 6}),
                          opens=dt.time(10), closes=dt.time(14))
    # Monday noon in New York → Saturday 10:00
    due = dt.datetime(2026, 11, 23, 12, tzinfo=ZoneInfo("America/New_York"))
    assert hours.next_opening(due) == dt.datetime(2026, 11, 28, 10,
                                                  tzinfo=ZoneInfo("America/New_York"))


def test_closing_at_midnight_keeps_the_queue_open_to_the_end_of_the_day():
    """00:00-00:00 every day is open around the clock: a 4-hour target that crosses
    midnight is exactly 4 hours (a 23:59 closing used to lose a minute a day)."""
    always = BusinessHours(timezone="UTC", weekdays=frozenset(range(7)),
                           opens=dt.time(0), closes=dt.time(0))
    start = dt.datetime(2026, 12, 6, 22, 17, tzinfo=dt.UTC)
    assert always.contains(dt.datetime(2026, 12, 6, 23, 59, 30, tzinfo=dt.UTC))
    assert always.add_working_time(start, dt.timedelta(hours=4)) == start + dt.timedelta(hours=4)
    assert always.working_time_between(start, start + dt.timedelta(days=2)) == \
        dt.timedelta(days=2)
    evenings = BusinessHours(timezone="Europe/Berlin", weekdays=frozenset({0}),
                             opens=dt.time(18), closes=dt.time(0))
    assert evenings.add_working_time(berlin(2026, 11, 23, 22), dt.timedelta(hours=3)) == \
        berlin(2026, 11, 30, 19)  # two hours on Monday night, one the next Monday


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"weekdays": []}, "weekdays", id="no-days"),
        pytest.param({"weekdays": [7]}, "weekdays", id="bad-day"),
        pytest.param({"opens": "18:00", "closes": "09:00"}, "opens", id="overnight"),
    ],
)
def test_invalid_hours_are_refused(data, message):
    with pytest.raises(ValueError, match=message):
        BusinessHours.from_mapping(data)


@pytest.mark.django_db
def test_queue_row_overrides_the_global_setting(settings):
    settings.KEEPFLOW_BUSINESS_HOURS = {"timezone": "UTC", "weekdays": [0, 1, 2, 3, 4],
                                        "opens": "09:00", "closes": "17:00"}
    TaskQueue.objects.create(name="vip_desk", timezone="Europe/Berlin", weekdays="0,1,2,3,4,5",
                             opens=dt.time(8), closes=dt.time(20))
    saturday_evening = dt.datetime(2026, 11, 28, 19, 30, tzinfo=dt.UTC)  # 20:30 in Berlin

    assert task_due_at(queue="retention", due_at=saturday_evening, business_hours=True) == \
        dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
    assert task_due_at(queue="vip_desk", due_at=saturday_evening, business_hours=True) == \
        berlin(2026, 11, 30, 8, 0)
    assert task_due_at(queue="vip_desk", due_at=saturday_evening, business_hours=False) == \
        saturday_evening
