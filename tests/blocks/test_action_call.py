import datetime as dt

import pytest

from blocks.actions.call import run
from blocks.base import Continue, WaitForEvent
from blocks.registry import block_ports
from tests.blocks.conftest import NOW, FakeEffects, first_error, valid_config

TYPE = "action.call"
AGENT = "+4930123456"
OUTCOMES = ("answered", "no_answer", "busy", "failed", "voicemail", "not_called")


@pytest.mark.parametrize(("config", "mode"), [
    pytest.param({"agent_number": AGENT}, "bridge", id="bridge-by-default"),
    pytest.param({"mode": "message", "text": "Hallo {{ customer.first_name }}"}, "message",
                 id="message"),
    pytest.param({"mode": "message", "text": "Hi", "menu": "Press 1 to talk to us",
                  "category": "transactional", "queue": "vip_desk", "timeout": "1d"},
                 "message", id="message-with-menu"),
])
def test_valid_configs(config, mode):
    assert valid_config(TYPE, config).mode == mode


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "agent_number", "required", id="bridge-without-number"),
    pytest.param({"agent_number": "030 123456"}, "agent_number", "invalid_format",
                 id="not-international"),
    pytest.param({"mode": "message"}, "text", "required", id="message-without-text"),
    pytest.param({"mode": "message", "text": "x" * 2001}, "text", "string_too_long",
                 id="text-too-long"),
    pytest.param({"agent_number": AGENT, "timeout": "soon"}, "timeout", "invalid_format",
                 id="bad-timeout"),
    pytest.param({"agent_number": AGENT, "queue": "VIP Desk"}, "queue", "invalid_format",
                 id="bad-queue"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_ports():
    assert block_ports(TYPE, valid_config(TYPE, {"agent_number": AGENT})) == [
        *OUTCOMES, "timeout"]


def test_run_places_the_call_and_waits_for_its_own_outcome(ctx):
    config = valid_config(TYPE, {"mode": "message", "text": "Hallo {{ customer.first_name }}",
                                 "menu": "Drücken Sie die 1", "timeout": "2h"})
    outcome = run(ctx, config)
    assert ctx.effects.calls == [("place_call", {
        "mode": "message", "agent_number": "", "text": "Hallo Ada", "menu": "Drücken Sie die 1",
        "category": "marketing", "queue": "retention"})]
    assert outcome == WaitForEvent(
        event_type="call.completed", timeout_at=NOW + dt.timedelta(hours=2),
        condition={"all": [{"field": "event.properties.call_id", "op": "eq", "value": 11}]},
        happened_port="failed", port_from="status", ports=OUTCOMES,
    )


def test_a_deferred_call_waits_from_when_it_will_be_placed(make_ctx):
    later = NOW + dt.timedelta(hours=20)
    effects = FakeEffects(responses={"place_call": {
        "call_id": 12, "status": "deferred", "reason": "quiet_hours",
        "scheduled_at": later.isoformat()}})
    outcome = run(make_ctx(effects=effects), valid_config(TYPE, {"agent_number": AGENT}))
    assert isinstance(outcome, WaitForEvent)
    assert outcome.timeout_at == later + dt.timedelta(hours=2)


@pytest.mark.parametrize("reason", ["no_consent", "frequency_cap", "no_address"])
def test_a_call_the_guardrails_stop_goes_on_by_not_called(make_ctx, reason):
    result = {"call_id": 13, "status": "suppressed", "reason": reason}
    ctx = make_ctx(effects=FakeEffects(responses={"place_call": result}))
    outcome = run(ctx, valid_config(TYPE, {"agent_number": AGENT}))
    assert outcome == Continue("not_called", output={"call": result, "reason": reason})


@pytest.mark.parametrize(("properties", "port"), [
    pytest.param({"status": "answered"}, "answered", id="answered"),
    pytest.param({"status": "no_answer"}, "no_answer", id="no-answer"),
    pytest.param({"status": "voicemail"}, "voicemail", id="voicemail"),
    pytest.param({"status": "ringing"}, "failed", id="unknown-status"),
    pytest.param({}, "failed", id="no-status"),
])
def test_the_outcome_event_picks_the_port(ctx, properties, port):
    outcome = run(ctx, valid_config(TYPE, {"agent_number": AGENT}))
    assert isinstance(outcome, WaitForEvent)
    assert outcome.port_for(properties) == port
