import datetime as dt

import pytest

from blocks.base import WaitForEvent
from blocks.flow.wait_for_event import run
from blocks.registry import block_ports
from tests.blocks.conftest import NOW, first_error, valid_config

TYPE = "flow.wait_for_event"
REDEEMED = {"all": [{"field": "event.properties.code", "op": "exists"}]}


@pytest.mark.parametrize(("config", "timeout"), [
    pytest.param({"event_type": "purchase"}, "7d", id="default-timeout"),
    pytest.param({"event_type": "offer.redeemed", "condition": REDEEMED, "timeout": "48h"},
                 "48h", id="condition-and-timeout"),
])
def test_valid_configs(config, timeout):
    assert valid_config(TYPE, config).timeout == timeout


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "event_type", "required", id="missing-type"),
    pytest.param({"event_type": "p", "timeout": "forever"}, "timeout", "invalid_format",
                 id="bad-timeout"),
    pytest.param({"event_type": "p", "condition": {"all": [
        {"field": "customer.clv", "op": "gte", "value": "lots"}]}}, "condition.all.0.value",
        "invalid_value", id="text-compared-with-a-number"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_ports():
    assert block_ports(TYPE, None) == ["happened", "timeout"]


def test_run_waits_with_a_timeout_from_now(ctx):
    config = valid_config(TYPE, {"event_type": "offer.redeemed", "condition": REDEEMED,
                                 "timeout": "48h"})
    assert run(ctx, config) == WaitForEvent(
        event_type="offer.redeemed", timeout_at=NOW + dt.timedelta(hours=48),
        condition=REDEEMED, happened_port="happened", timeout_port="timeout",
    )
