import datetime as dt

import pytest

from blocks.base import Continue
from blocks.triggers.schedule import run, schedule_next
from tests.blocks.conftest import first_error, valid_config

TYPE = "trigger.schedule"
UTC = dt.UTC


@pytest.mark.parametrize("config", [
    pytest.param({"cron": "0 9 * * MON", "segment_id": 1}, id="weekly"),
    pytest.param({"cron": "*/15 8-18 * * 1-5", "segment_id": 2, "timezone": "Europe/Berlin",
                  "batch_size": 10_000}, id="office-hours"),
    pytest.param({"cron": "0 0 29 2 *", "segment_id": 1}, id="leap-day"),
])
def test_valid_configs(config):
    assert valid_config(TYPE, config).cron == config["cron"]


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({"cron": "0 9 * *", "segment_id": 1}, "cron", "invalid_cron", id="4-fields"),
    pytest.param({"cron": "0 0 9 * * MON", "segment_id": 1}, "cron", "invalid_cron",
                 id="6-fields-seconds"),
    pytest.param({"cron": "61 * * * *", "segment_id": 1}, "cron", "invalid_cron",
                 id="minute-61"),
    pytest.param({"cron": "@daily", "segment_id": 1}, "cron", "invalid_cron", id="nickname"),
    pytest.param({"cron": "0 0 31 2 *", "segment_id": 1}, "cron", "invalid_cron",
                 id="never-fires"),
    pytest.param({"cron": "0 9 * * *", "segment_id": 1, "timezone": "Mars/Olympus"},
                 "timezone", "invalid_time_zone", id="bad-zone"),
    pytest.param({"cron": "0 9 * * *"}, "segment_id", "required", id="missing-segment"),
    pytest.param({"cron": "0 9 * * *", "segment_id": 1, "batch_size": 10_001}, "batch_size",
                 "less_than_equal", id="batch-too-big"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


@pytest.mark.parametrize(("after", "expected"), [
    pytest.param(dt.datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
                 dt.datetime(2026, 3, 16, 8, 0, tzinfo=UTC), id="next-monday-winter"),
    pytest.param(dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC),
                 dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC), id="across-dst-start"),
])
def test_next_fire_time_in_the_schedule_zone(after, expected):
    config = valid_config(TYPE, {"cron": "0 9 * * MON", "timezone": "Europe/Berlin",
                                 "segment_id": 1})
    assert schedule_next(config, after) == expected


def test_run_continues_on_out(ctx):
    config = valid_config(TYPE, {"cron": "0 9 * * *", "segment_id": 1})
    assert run(ctx, config) == Continue("out")
