"""action.freshdesk_ticket against a fake Freshdesk: the documented payloads (numeric
priority and status), API-key basic auth, and Freshdesk's validation errors in words."""

import base64

import pytest

from blocks.base import Continue, Fail
from blocks.registry import block_get
from tests.blocks.conftest import first_error, valid_config

TYPE = "action.freshdesk_ticket"
run = block_get(TYPE).run
BASE = {"domain": "acme", "credential_id": 1}
NEW = {**BASE, "subject": "Call-back: {{ customer.name }}",
       "description": "Unhappy <b>customer</b>\nCall soon."}


@pytest.mark.parametrize(("config", "error"), [
    pytest.param({**NEW, "subject": None}, ("subject", "required"), id="create-no-subject"),
    pytest.param({**BASE, "operation": "update", "ticket_id": "3"}, ("status", "required"),
                 id="update-changes-nothing"),
    pytest.param({**NEW, "status": "archived"}, ("status", "literal_error"), id="status"),
])
def test_invalid_configs(config, error):
    assert first_error(TYPE, config) == error


def test_creates_a_ticket_with_the_documented_payload(vendor):
    vendor.reply("POST", "/api/v2/tickets", 201, {"id": 1, "status": 2})
    credential = vendor.credential("basic", secret="X", username="apikey123")
    config = valid_config(TYPE, {**NEW, "credential_id": credential, "priority": "urgent",
                                 "tags": ["churn"]})

    outcome = run(vendor.ctx(), config)

    assert outcome == Continue("out", output={"status": 201, "id": 1,
                                              "json": {"id": 1, "status": 2}})
    assert vendor.request["json"] == {
        "subject": "Call-back: Ada Lovelace",
        "description": "Unhappy &lt;b&gt;customer&lt;/b&gt;<br>Call soon.",
        "email": "ada@example.com", "name": "Ada Lovelace", "priority": 4, "status": 2,
        "tags": ["churn"]}
    assert vendor.request["headers"]["Authorization"] == "Basic " + base64.b64encode(
        b"apikey123:X").decode()


def test_updates_status_and_priority(vendor):
    vendor.reply("PUT", "/api/v2/tickets/77", 200, {"id": 77, "status": 4})
    config = valid_config(TYPE, {**BASE, "credential_id": vendor.credential("bearer"),
                                 "operation": "update", "ticket_id": "77",
                                 "status": "resolved", "priority": "low"})

    assert run(vendor.ctx(), config).output["id"] == 77
    assert (vendor.request["method"], vendor.request["json"]) == (
        "PUT", {"priority": 1, "status": 4})


def test_a_refusal_names_freshdesk_and_the_field(vendor):
    vendor.reply("POST", "/api/v2/tickets", 400, {
        "description": "Validation failed",
        "errors": [{"field": "email", "message": "It should be a valid email address",
                    "code": "invalid_value"}]})
    config = valid_config(TYPE, {**NEW, "credential_id": vendor.credential("bearer")})

    assert run(vendor.ctx(), config) == Fail(
        "Freshdesk refused: Validation failed; email: It should be a valid email address "
        "(HTTP 400)")
