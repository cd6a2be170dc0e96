import pytest

from blocks.base import Exit
from blocks.flow.exit import run
from blocks.registry import block_ports
from tests.blocks.conftest import first_error, valid_config

TYPE = "flow.exit"


@pytest.mark.parametrize(("config", "reason"), [
    pytest.param({}, "exit", id="default"),
    pytest.param({"reason": "not_eligible"}, "not_eligible", id="named"),
])
def test_run_exits_with_the_reason(ctx, config, reason):
    assert run(ctx, valid_config(TYPE, config)) == Exit(reason=reason)


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({"reason": ""}, "reason", "string_too_short", id="empty"),
    pytest.param({"reason": "x" * 101}, "reason", "string_too_long", id="too-long"),
    pytest.param({"reason": 3}, "reason", "string_type", id="not-text"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_exit_has_no_ports():
    assert block_ports(TYPE, valid_config(TYPE, {})) == []
