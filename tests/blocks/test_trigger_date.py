import datetime as dt

import pytest

from blocks.base import Continue
from blocks.triggers.date import run, trigger_date_due
from tests.blocks.conftest import first_error, valid_config

TYPE = "trigger.date"
UTC = dt.UTC


@pytest.mark.parametrize(("config", "offset", "at"), [
    pytest.param({"attribute": "contract_end"}, 0, "09:00", id="defaults"),
    pytest.param({"attribute": "contract_end", "offset_days": -30, "at_local_time": "18:30"},
                 -30, "18:30", id="before"),
    pytest.param({"attribute": "renewal", "offset_days": 365}, 365, "09:00", id="max-after"),
])
def test_valid_configs(config, offset, at):
    model = valid_config(TYPE, config)
    assert (model.offset_days, model.at_local_time) == (offset, at)


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "attribute", "required", id="missing-attribute"),
    pytest.param({"attribute": "1st"}, "attribute", "invalid_format", id="bad-attribute"),
    pytest.param({"attribute": "a", "offset_days": -366}, "offset_days", "greater_than_equal",
                 id="too-early"),
    pytest.param({"attribute": "a", "at_local_time": "24:00"}, "at_local_time",
                 "invalid_format", id="bad-time"),
    pytest.param({"attribute": "a", "at_local_time": "9:00"}, "at_local_time",
                 "invalid_format", id="unpadded-time"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


@pytest.mark.parametrize(("attributes", "zone", "expected"), [
    pytest.param({"contract_end": "2026-04-30"}, "Europe/Berlin",
                 dt.datetime(2026, 3, 31, 7, 0, tzinfo=UTC), id="30-days-before-in-summer"),
    pytest.param({"contract_end": "2026-04-10"}, "Europe/Berlin",
                 dt.datetime(2026, 3, 11, 8, 0, tzinfo=UTC), id="winter-time"),
    pytest.param({"contract_end": "2026-04-30T23:30:00+00:00"}, "Europe/Berlin",
                 dt.datetime(2026, 4, 1, 7, 0, tzinfo=UTC), id="datetime-is-next-day-locally"),
    pytest.param({"contract_end": "2026-04-30"}, "Not/AZone",
                 dt.datetime(2026, 3, 31, 9, 0, tzinfo=UTC), id="unknown-zone-is-utc"),
    pytest.param({}, "UTC", None, id="missing"),
    pytest.param({"contract_end": "soon"}, "UTC", None, id="not-a-date"),
    pytest.param({"contract_end": 20260430}, "UTC", None, id="a-number"),
])
def test_due_time_per_customer(attributes, zone, expected):
    config = valid_config(TYPE, {"attribute": "contract_end", "offset_days": -30})
    assert trigger_date_due(config, attributes, zone) == expected


def test_run_continues_on_out(ctx):
    assert run(ctx, valid_config(TYPE, {"attribute": "contract_end"})) == Continue("out")
