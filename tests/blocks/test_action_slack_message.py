"""action.slack_message against a fake Slack: chat.postMessage with the bot token, and
Slack's refusals, which come as HTTP 200 with ok: false."""

import pytest

from blocks.base import Continue, Fail
from blocks.registry import block_get
from tests.blocks.conftest import first_error, valid_config

TYPE = "action.slack_message"
run = block_get(TYPE).run
CONFIG = {"credential_id": 1, "channel": "#sales-handover",
          "text": "Hand-over: {{ customer.name }} ({{ customer.email }})"}


@pytest.mark.parametrize(("config", "error"), [
    pytest.param({**CONFIG, "channel": "sales handover"}, ("channel", "invalid_format"),
                 id="channel"),
    pytest.param({**CONFIG, "text": None}, ("text", "string_type"), id="no-text"),
])
def test_invalid_configs(config, error):
    assert first_error(TYPE, config) == error


def test_posts_the_message_with_the_bot_token(vendor):
    vendor.reply("POST", "/api/chat.postMessage", 200,
                 {"ok": True, "channel": "C0123456789", "ts": "1503435956.000247"})
    config = valid_config(TYPE, {**CONFIG, "credential_id": vendor.credential(
        "bearer", secret="xoxb-1")})

    outcome = run(vendor.ctx(), config)

    assert isinstance(outcome, Continue) and outcome.output["id"] == "1503435956.000247"
    assert vendor.request["json"] == {
        "channel": "#sales-handover", "text": "Hand-over: Ada Lovelace (ada@example.com)",
        "unfurl_links": False}
    assert vendor.request["headers"]["Authorization"] == "Bearer xoxb-1"


def test_ok_false_is_a_refusal(vendor):
    vendor.reply("POST", "/api/chat.postMessage", 200, {"ok": False,
                                                         "error": "channel_not_found"})
    config = valid_config(TYPE, {**CONFIG, "credential_id": vendor.credential("bearer")})

    assert run(vendor.ctx(), config) == Fail("Slack refused: channel_not_found")
