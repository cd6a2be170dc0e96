import pytest

from blocks.base import Continue
from blocks.triggers.event import run
from tests.blocks.conftest import first_error, valid_config

TYPE = "trigger.event"
BAD_SCORE = {"all": [{"field": "event.properties.score", "op": "lte", "value": 6}]}


@pytest.mark.parametrize("config", [
    pytest.param({"event_type": "purchase"}, id="type-only"),
    pytest.param({"event_type": "feedback.submitted", "condition": BAD_SCORE}, id="condition"),
    pytest.param({"event_type": "a:b-c_d.e", "condition": None}, id="null-condition"),
])
def test_valid_configs(config):
    assert valid_config(TYPE, config).event_type == config["event_type"]


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "event_type", "required", id="missing-type"),
    pytest.param({"event_type": ""}, "event_type", "string_too_short", id="empty-type"),
    pytest.param({"event_type": "tab\there"}, "event_type", "invalid_format", id="bad-chars"),
    pytest.param({"event_type": "x" * 101}, "event_type", "string_too_long", id="too-long"),
    pytest.param({"event_type": "p", "condition": {"all": [{"field": "customer.tier",
                                                            "op": "between", "value": 1}]}},
                 "condition.all.0.op", "enum", id="bad-operator"),
    pytest.param({"event_type": "p", "condition": {"all": [{"field": "customer.nope",
                                                            "op": "eq", "value": 1}]}},
                 "condition.all.0.field", "unknown_field", id="unknown-condition-field"),
    pytest.param({"event_type": "p", "extra": 1}, "extra", "unknown_field", id="unknown-key"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_run_continues_on_out(ctx):
    assert run(ctx, valid_config(TYPE, {"event_type": "purchase"})) == Continue("out")
