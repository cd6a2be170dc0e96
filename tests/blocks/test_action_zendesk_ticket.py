"""action.zendesk_ticket against a fake Zendesk: the documented ticket payloads, basic
authentication with an API token, and Zendesk's refusals in words."""

import base64

import pytest

from apps.integrations.services import credential_create
from blocks.base import Continue, Fail
from blocks.registry import block_get
from tests.blocks.conftest import FakeEvent, first_error, valid_config

TYPE = "action.zendesk_ticket"
run = block_get(TYPE).run
BASE = {"subdomain": "acme", "credential_id": 1}
NEW = {**BASE, "subject": "Call-back wanted: {{ customer.name }}",
       "description": "{{ customer.name }} rated us {{ event.properties.score }}."}


@pytest.mark.parametrize("config", [
    pytest.param(NEW, id="create"),
    pytest.param({**NEW, "priority": "urgent", "tags": ["churn_risk", "vip"]}, id="create-full"),
    pytest.param({**BASE, "operation": "update", "ticket_id": "{{ event.properties.id }}",
                  "status": "solved"}, id="update-status"),
    pytest.param({**BASE, "operation": "update", "ticket_id": "12",
                  "description": "Customer called back."}, id="update-comment"),
])
def test_valid_configs(config):
    valid_config(TYPE, config)


@pytest.mark.parametrize(("config", "error"), [
    pytest.param({**NEW, "subdomain": "Acme.zendesk.com"}, ("subdomain", "invalid_format"),
                 id="subdomain-not-a-host"),
    pytest.param({**NEW, "subject": None}, ("subject", "required"), id="create-no-subject"),
    pytest.param({**NEW, "description": None}, ("description", "required"),
                 id="create-no-description"),
    pytest.param({**BASE, "operation": "update", "status": "solved"}, ("ticket_id", "required"),
                 id="update-no-ticket"),
    pytest.param({**BASE, "operation": "update", "ticket_id": "12"},
                 ("description", "required"), id="update-changes-nothing"),
    pytest.param({**NEW, "credential_id": None}, ("credential_id", "int_type"),
                 id="credential-required"),
    pytest.param({**NEW, "priority": "asap"}, ("priority", "literal_error"), id="priority"),
])
def test_invalid_configs(config, error):
    assert first_error(TYPE, config) == error


def test_publish_checks_the_credential_against_zendesk_host_and_method():
    create = valid_config(TYPE, NEW)
    update = valid_config(TYPE, {**BASE, "operation": "update", "ticket_id": "12",
                                 "status": "open"})
    assert (create.method, create.url) == ("POST", "https://acme.zendesk.com/api/v2/tickets")
    assert (update.method, update.url) == ("PUT", "https://acme.zendesk.com/api/v2/tickets/12")


def test_creates_a_ticket_with_the_documented_payload(vendor):
    vendor.reply("POST", "/api/v2/tickets", 201, {"ticket": {"id": 35436, "status": "new"}})
    credential = vendor.credential("basic", secret="tok3n", username="agent@acme.com/token")
    config = valid_config(TYPE, {**NEW, "credential_id": credential, "priority": "high",
                                 "tags": ["churn_risk"]})
    outcome = run(vendor.ctx(event=_event(score=2)), config)

    assert outcome == Continue("out", output={
        "status": 201, "id": 35436, "json": {"ticket": {"id": 35436, "status": "new"}}})
    request = vendor.request
    assert (request["method"], request["path"]) == ("POST", "/api/v2/tickets")
    assert request["json"] == {"ticket": {
        "subject": "Call-back wanted: Ada Lovelace",
        "comment": {"body": "Ada Lovelace rated us 2."},
        "requester": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "tags": ["churn_risk"], "priority": "high"}}
    token = base64.b64encode(b"agent@acme.com/token:tok3n").decode()
    assert request["headers"]["Authorization"] == f"Basic {token}"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Idempotency-Key"] == "run:1:n1:1"


def test_updates_a_ticket_with_a_private_comment(vendor):
    vendor.reply("PUT", "/api/v2/tickets/12", 200, {"ticket": {"id": 12, "status": "solved"}})
    config = valid_config(TYPE, {
        **BASE, "credential_id": vendor.credential("bearer"), "operation": "update",
        "ticket_id": "#{{ event.properties.ticket }}", "description": "Saved by the offer.",
        "status": "solved"})

    outcome = run(vendor.ctx(event=_event(ticket=12)), config)

    assert isinstance(outcome, Continue) and outcome.output["id"] == 12
    assert vendor.request["json"] == {"ticket": {
        "comment": {"body": "Saved by the offer.", "public": False}, "status": "solved"}}
    assert vendor.request["headers"]["Authorization"] == "Bearer s3cret"


def test_a_ticket_number_that_is_not_a_number_is_not_sent(vendor):
    config = valid_config(TYPE, {**BASE, "credential_id": vendor.credential("bearer"),
                                 "operation": "update", "ticket_id": "../users/1",
                                 "status": "open"})
    assert run(vendor.ctx(), config) == Fail("ticket_id: '../users/1' is not a number")
    assert vendor.seen == []


@pytest.mark.parametrize(("status", "body", "error", "retryable"), [
    pytest.param(404, {"error": {"title": "No help desk at acme.zendesk.com",
                                 "message": "There is no help desk configured at this "
                                            "address."}},
                 "Zendesk refused: There is no help desk configured at this address. "
                 "(HTTP 404)", False, id="unknown-subdomain"),
    pytest.param(422, {"error": "RecordInvalid", "description": "Record validation errors",
                       "details": {"requester": [{"description": "Requester: Email is "
                                                                 "invalid"}]}},
                 "Zendesk refused: Record validation errors; Requester: Email is invalid "
                 "(HTTP 422)", False, id="invalid-record"),
    pytest.param(401, {"error": "Couldn't authenticate you"},
                 "Zendesk refused: Couldn't authenticate you (HTTP 401)", False,
                 id="bad-token"),
    pytest.param(429, {"error": "APIRateLimitExceeded"},
                 "Zendesk is busy or unavailable (HTTP 429): APIRateLimitExceeded", True,
                 id="rate-limited"),
    pytest.param(503, None, "Zendesk is busy or unavailable (HTTP 503)", True, id="down"),
])
def test_a_refusal_names_zendesk_and_its_reason(vendor, status, body, error, retryable):
    vendor.reply("POST", "/api/v2/tickets", status, body)
    config = valid_config(TYPE, {**NEW, "credential_id": vendor.credential("bearer")})

    assert run(vendor.ctx(event=_event(score=1)), config) == Fail(error, retryable=retryable)


def test_an_unbound_credential_is_not_sent(vendor):
    other = credential_create(name="elsewhere", kind="bearer", secret="x",
                              allowed_hosts=["crm.example.com"]).id
    config = valid_config(TYPE, {**NEW, "credential_id": other})

    outcome = run(vendor.ctx(event=_event(score=1)), config)

    assert isinstance(outcome, Fail) and outcome.error.startswith(
        "Zendesk: credential elsewhere may not be sent to 127.0.0.1")
    assert vendor.seen == []


def _event(**properties):
    return FakeEvent(properties=properties)
