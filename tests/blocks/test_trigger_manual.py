import pytest

from blocks.base import Continue
from blocks.triggers.manual import run
from tests.blocks.conftest import first_error, valid_config

TYPE = "trigger.manual"


def test_empty_config_is_valid():
    assert valid_config(TYPE, {}).model_dump() == {}


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({"event_type": "x"}, "event_type", "unknown_field", id="any-key"),
    pytest.param("start", "", "invalid_type", id="not-an-object"),
    pytest.param(None, "", "invalid_type", id="null"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_run_continues_on_out(ctx):
    assert run(ctx, valid_config(TYPE, {})) == Continue("out")
