"""action.hubspot against a fake HubSpot: CRM v3 deals, tasks (with the contact
association) and contact updates by e-mail, with the private app token."""

import pytest

from blocks.base import Fail
from blocks.registry import block_get
from tests.blocks.conftest import first_error, valid_config

TYPE = "action.hubspot"
run = block_get(TYPE).run


@pytest.mark.parametrize(("config", "error"), [
    pytest.param({"credential_id": 1}, ("title", "required"), id="deal-no-name"),
    pytest.param({"credential_id": 1, "operation": "update_contact",
                  "contact": "{{ customer.email }}"}, ("properties", "required"),
                 id="update-nothing"),
    pytest.param({"credential_id": 1, "operation": "update_contact",
                  "properties": {"lifecyclestage": "lead"}}, ("contact", "required"),
                 id="update-no-contact"),
    pytest.param({"credential_id": 1, "title": "x", "properties": {"life stage": "x"}},
                 ("properties.life stage", "invalid_format"), id="property-name"),
])
def test_invalid_configs(config, error):
    assert first_error(TYPE, config) == error


def test_creates_a_deal_linked_to_the_contact(vendor):
    vendor.reply("POST", "/crm/v3/objects/deals", 201, {"id": "512", "properties": {}})
    config = valid_config(TYPE, {
        "credential_id": vendor.credential("bearer", secret="pat-eu1-x"),
        "title": "Upgrade: {{ customer.name }}", "amount": "{{ customer.clv }}",
        "contact": "{{ customer.attributes.hubspot_id }}", "properties": {"source": "keepflow"}})
    ctx = vendor.ctx()
    ctx.customer.attributes = {"hubspot_id": 901}

    outcome = run(ctx, config)

    assert outcome.output["id"] == "512"
    assert vendor.request["json"] == {
        "properties": {"dealname": "Upgrade: Ada Lovelace", "pipeline": "default",
                       "dealstage": "appointmentscheduled", "amount": "1200.0",
                       "source": "keepflow"},
        "associations": [{"to": {"id": "901"}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]}]}
    assert vendor.request["headers"]["Authorization"] == "Bearer pat-eu1-x"


def test_creates_a_task_due_in_a_day(vendor):
    vendor.reply("POST", "/crm/v3/objects/tasks", 201, {"id": "77"})
    config = valid_config(TYPE, {
        "credential_id": vendor.credential("bearer"), "operation": "create_task",
        "title": "Call {{ customer.first_name }}", "notes": "Churn risk", "due_in": "1d",
        "priority": "HIGH", "contact": "901"})

    run(vendor.ctx(), config)

    assert vendor.request["json"] == {
        "properties": {"hs_timestamp": "2026-03-11T12:00:00.000+00:00",
                       "hs_task_subject": "Call Ada", "hs_task_status": "NOT_STARTED",
                       "hs_task_priority": "HIGH", "hs_task_body": "Churn risk"},
        "associations": [{"to": {"id": "901"}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}]}]}


def test_updates_a_contact_found_by_email(vendor):
    vendor.reply("PATCH", "/crm/v3/objects/contacts/ada@example.com", 200, {"id": "901"})
    config = valid_config(TYPE, {
        "credential_id": vendor.credential("bearer"), "operation": "update_contact",
        "contact": "{{ customer.email }}",
        "properties": {"churn_risk": "{{ customer.churn_score }}"}})

    run(vendor.ctx(), config)

    request = vendor.request
    assert (request["method"], request["path"]) == (
        "PATCH", "/crm/v3/objects/contacts/ada@example.com?idProperty=email")
    assert request["json"] == {"properties": {"churn_risk": "0.8"}}


def test_a_refusal_says_hubspots_message(vendor):
    vendor.reply("POST", "/crm/v3/objects/deals", 400, {
        "status": "error", "message": "Property values were not valid: dealstage",
        "category": "VALIDATION_ERROR"})
    config = valid_config(TYPE, {"credential_id": vendor.credential("bearer"), "title": "x"})

    assert run(vendor.ctx(), config) == Fail(
        "HubSpot refused: Property values were not valid: dealstage (HTTP 400)")
