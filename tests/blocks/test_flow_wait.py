import datetime as dt

import pytest

from blocks.base import Continue, Exit, WaitUntil
from blocks.flow.wait import run
from tests.blocks.conftest import NOW, FakeCustomer, first_error, valid_config

TYPE = "flow.wait"
UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("config", "mode"), [
    pytest.param({}, "duration", id="default-one-day"),
    pytest.param({"mode": "duration", "duration": "1d12h"}, "duration", id="compound"),
    pytest.param({"mode": "until_date", "attribute": "contract_end", "offset_days": -7},
                 "until_date", id="until-date"),
    pytest.param({"mode": "until_time", "at_local_time": "09:00"}, "until_time",
                 id="until-time"),
])
def test_valid_configs(config, mode):
    assert valid_config(TYPE, config).mode == mode


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({"duration": "3 days"}, "duration", "invalid_format", id="prose-duration"),
    pytest.param({"duration": "0d"}, "duration", "duration_too_short", id="zero"),
    pytest.param({"duration": "105w"}, "duration", "duration_too_long", id="over-two-years"),
    pytest.param({"duration": None}, "duration", "required", id="duration-mode-needs-it"),
    pytest.param({"mode": "until_date"}, "attribute", "required", id="date-needs-attribute"),
    pytest.param({"mode": "until_time"}, "at_local_time", "required", id="time-needs-time"),
    pytest.param({"mode": "until_time", "at_local_time": "7pm"}, "at_local_time",
                 "invalid_format", id="bad-time"),
    pytest.param({"mode": "forever"}, "mode", "literal_error", id="bad-mode"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


@pytest.mark.parametrize(("duration", "expected"), [
    pytest.param("3d", NOW + dt.timedelta(days=3), id="days"),
    pytest.param("2h", NOW + dt.timedelta(hours=2), id="hours"),
    pytest.param("1w2d", NOW + dt.timedelta(days=9), id="weeks-and-days"),
    pytest.param("90m", NOW + dt.timedelta(minutes=90), id="minutes"),
])
def test_duration_waits_from_now(ctx, duration, expected):
    assert run(ctx, valid_config(TYPE, {"duration": duration})) == WaitUntil(at=expected)


@pytest.mark.parametrize(("now", "zone", "local_time", "expected"), [
    pytest.param(at(2026, 3, 10, 12), "Europe/Berlin", "09:00", at(2026, 3, 11, 8),
                 id="passed-today-so-tomorrow"),
    pytest.param(at(2026, 3, 10, 6), "Europe/Berlin", "09:00", at(2026, 3, 10, 8),
                 id="later-today"),
    pytest.param(at(2026, 3, 10, 8), "Europe/Berlin", "09:00", at(2026, 3, 11, 8),
                 id="exactly-now-means-tomorrow"),
    pytest.param(at(2026, 3, 28, 10), "Europe/Berlin", "09:00", at(2026, 3, 29, 7),
                 id="across-spring-forward"),
    pytest.param(at(2026, 3, 28, 12), "Europe/Berlin", "02:30", at(2026, 3, 29, 1, 30),
                 id="skipped-hour-lands-after-the-gap"),
    pytest.param(at(2026, 10, 24, 12), "Europe/Berlin", "02:30", at(2026, 10, 25, 0, 30),
                 id="repeated-hour-first-occurrence"),
    pytest.param(at(2026, 3, 10, 12), "America/New_York", "09:00", at(2026, 3, 10, 13),
                 id="new-york-after-its-dst-start"),
    pytest.param(at(2026, 3, 10, 12), "", "09:00", at(2026, 3, 11, 9), id="no-zone-is-utc"),
])
def test_until_local_time_in_the_customer_zone(make_ctx, now, zone, local_time, expected):
    ctx = make_ctx(now=now, customer=FakeCustomer(timezone=zone))
    config = valid_config(TYPE, {"mode": "until_time", "at_local_time": local_time})
    assert run(ctx, config) == WaitUntil(at=expected)


@pytest.mark.parametrize(("attributes", "config", "outcome"), [
    pytest.param({"contract_end": "2026-04-30"}, {"offset_days": -7},
                 WaitUntil(at=at(2026, 4, 23, 7)), id="week-before-at-9-local"),
    pytest.param({"contract_end": "2026-04-30"}, {"at_local_time": "18:00"},
                 WaitUntil(at=at(2026, 4, 30, 16)), id="on-the-day-at-18"),
    pytest.param({"contract_end": "2026-03-01"}, {}, Continue("out"), id="date-passed"),
    pytest.param({}, {}, Exit(reason="missing_date"), id="no-date"),
    pytest.param({"contract_end": "next spring"}, {}, Exit(reason="missing_date"),
                 id="not-a-date"),
])
def test_until_profile_date(make_ctx, attributes, config, outcome):
    ctx = make_ctx(customer=FakeCustomer(attributes=attributes))
    model = valid_config(TYPE, {"mode": "until_date", "attribute": "contract_end", **config})
    assert run(ctx, model) == outcome
