"""action.teams_message against a fake Teams webhook: the Adaptive Card message, sent to
the credential's secret URL (no URL in the graph, none in any error), refusals in words."""

import pytest

from apps.integrations.services import credential_create
from blocks.base import Continue, Fail
from blocks.registry import block_get
from tests.blocks.conftest import first_error, valid_config

TYPE = "action.teams_message"
run = block_get(TYPE).run
CONFIG = {"credential_id": 1, "title": "Hand-over: {{ customer.name }}",
          "text": "{{ customer.name }} ({{ customer.email }}) is ready to buy."}
HOOK = "/workflows/4f2a/triggers/manual/paths/invoke"


def webhook(vendor, port=None) -> int:
    url = f"http://127.0.0.1:{port or vendor.port}{HOOK}?api-version=1&sig=S1GN4TURE"
    return credential_create(name=f"teams-{port}", kind="url", secret=url,
                             allowed_hosts=["127.0.0.1"]).id


@pytest.mark.parametrize(("config", "error"), [
    pytest.param({**CONFIG, "text": None}, ("text", "string_type"), id="no-text"),
    pytest.param({**CONFIG, "url": "https://x.example"}, ("url", "unknown_field"),
                 id="no-url-in-the-graph"),
])
def test_invalid_configs(config, error):
    assert first_error(TYPE, config) == error


def test_posts_an_adaptive_card_to_the_secret_url(vendor):
    vendor.reply("POST", HOOK, 202, None)
    config = valid_config(TYPE, {**CONFIG, "credential_id": webhook(vendor)})

    outcome = run(vendor.ctx(), config)

    assert outcome == Continue("out", output={"status": 202, "id": None, "json": None})
    request = vendor.request
    assert request["path"] == f"{HOOK}?api-version=1&sig=S1GN4TURE"
    assert "Authorization" not in request["headers"]
    assert request["json"] == {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard", "version": "1.4", "body": [
                        {"type": "TextBlock", "text": "Hand-over: Ada Lovelace",
                         "weight": "Bolder", "size": "Medium", "wrap": True},
                        {"type": "TextBlock", "text": "Ada Lovelace (ada@example.com) is "
                                                      "ready to buy.", "wrap": True}]}}]}


def test_a_refusal_names_teams(vendor):
    vendor.reply("POST", HOOK, 400, {"error": {"code": "TriggerInputSchemaMismatch",
                                               "message": "The input body does not match"}})
    config = valid_config(TYPE, {**CONFIG, "credential_id": webhook(vendor)})

    assert run(vendor.ctx(), config) == Fail(
        "Microsoft Teams refused: The input body does not match (HTTP 400)")


def test_no_error_repeats_the_secret_url(vendor, settings):
    closed = vendor.port + 1 if vendor.port < 65535 else vendor.port - 1
    settings.KEEPFLOW_HTTP_ALLOWED_HOSTS = [f"127.0.0.1:{closed}"]
    config = valid_config(TYPE, {**CONFIG, "credential_id": webhook(vendor, closed)})

    outcome = run(vendor.ctx(), config)

    assert isinstance(outcome, Fail) and outcome.retryable
    assert outcome.error.startswith("Microsoft Teams: connection failed")
    assert "S1GN4TURE" not in outcome.error and "4f2a" not in outcome.error


def test_a_token_credential_is_not_a_webhook(vendor):
    config = valid_config(TYPE, {**CONFIG, "credential_id": vendor.credential("bearer")})

    outcome = run(vendor.ctx(), config)

    assert isinstance(outcome, Fail) and "is not a webhook URL" in outcome.error
    assert vendor.seen == []
