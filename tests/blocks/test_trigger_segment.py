import pytest

from blocks.base import Continue
from blocks.triggers.segment import run
from tests.blocks.conftest import first_error, valid_config

TYPE = "trigger.segment"


@pytest.mark.parametrize(("config", "on"), [
    pytest.param({"segment_id": 3}, "entered", id="default-entered"),
    pytest.param({"segment_id": 3, "on": "exited"}, "exited", id="exited"),
])
def test_valid_configs(config, on):
    assert valid_config(TYPE, config).on == on


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "segment_id", "required", id="missing-segment"),
    pytest.param({"segment_id": 0}, "segment_id", "greater_than_equal", id="zero-id"),
    pytest.param({"segment_id": "abc"}, "segment_id", "int_parsing", id="not-an-id"),
    pytest.param({"segment_id": 1, "on": "left"}, "on", "literal_error", id="bad-on"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_run_continues_on_out(ctx):
    assert run(ctx, valid_config(TYPE, {"segment_id": 1})) == Continue("out")
