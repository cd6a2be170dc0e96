import datetime as dt

import pytest

from blocks.base import Continue
from blocks.triggers.inactivity import inactivity_due_at, run
from tests.blocks.conftest import first_error, valid_config

TYPE = "trigger.inactivity"
UTC = dt.UTC


def day(n: int) -> dt.datetime:
    return dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(days=n)


@pytest.mark.parametrize("config", [
    pytest.param({"event_type": "purchase", "days": 60}, id="fixed-days"),
    pytest.param({"event_type": "purchase", "mode": "rhythm"}, id="rhythm-defaults"),
    pytest.param({"event_type": "login", "mode": "rhythm", "multiplier": 3.5,
                  "min_events": 5}, id="rhythm-tuned"),
])
def test_valid_configs(config):
    assert valid_config(TYPE, config).event_type == config["event_type"]


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({"event_type": "purchase"}, "days", "required", id="fixed-needs-days"),
    pytest.param({"event_type": "purchase", "days": 0}, "days", "greater_than_equal",
                 id="zero-days"),
    pytest.param({"event_type": "purchase", "mode": "rhythm", "multiplier": 0.5},
                 "multiplier", "greater_than_equal", id="k-below-1"),
    pytest.param({"event_type": "purchase", "mode": "rhythm", "min_events": 1},
                 "min_events", "greater_than_equal", id="one-event-is-no-rhythm"),
    pytest.param({"event_type": "purchase", "mode": "weekly"}, "mode", "literal_error",
                 id="bad-mode"),
    pytest.param({"days": 3}, "event_type", "required", id="missing-event-type"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


@pytest.mark.parametrize(("config", "times", "expected"), [
    pytest.param({"days": 60}, [day(0), day(10)], day(70), id="fixed-from-last-event"),
    pytest.param({"days": 60}, [], None, id="fixed-never-active"),
    pytest.param({"mode": "rhythm"}, [day(0), day(60), day(120)], day(240),
                 id="rhythm-2x-every-60-days"),
    pytest.param({"mode": "rhythm", "multiplier": 1.5}, [day(40), day(0), day(20), day(30)],
                 day(40) + dt.timedelta(days=15), id="rhythm-median-gap-unsorted-input"),
    pytest.param({"mode": "rhythm"}, [day(0), day(60)], None, id="rhythm-too-little-history"),
    pytest.param({"mode": "rhythm", "min_events": 2}, [day(5), day(5)], None,
                 id="rhythm-no-gap"),
])
def test_due_time(config, times, expected):
    model = valid_config(TYPE, {"event_type": "purchase", **config})
    assert inactivity_due_at(model, times) == expected


def test_run_continues_on_out(ctx):
    assert run(ctx, valid_config(TYPE, {"event_type": "p", "days": 5})) == Continue("out")
