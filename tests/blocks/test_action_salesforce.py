"""action.salesforce against a fake Salesforce: sObject Task and Opportunity creation,
a Contact update (204, no body), and Salesforce's error list in words."""

import pytest

from blocks.base import Continue, Fail
from blocks.registry import block_get
from tests.blocks.conftest import first_error, valid_config

TYPE = "action.salesforce"
run = block_get(TYPE).run
BASE = {"instance": "acme.my.salesforce.com", "credential_id": 1}
OBJECTS = "/services/data/v60.0/sobjects"


@pytest.mark.parametrize(("config", "error"), [
    pytest.param({**BASE, "instance": "evil.example.com", "title": "x"},
                 ("instance", "invalid_format"), id="not-salesforce"),
    pytest.param({**BASE, "operation": "update_contact", "fields": {"Phone": "1"}},
                 ("contact_id", "required"), id="update-no-contact"),
])
def test_invalid_configs(config, error):
    assert first_error(TYPE, config) == error


def test_the_url_is_the_instance(vendor):
    config = valid_config(TYPE, {**BASE, "title": "x"})
    assert config.url.endswith(f"{OBJECTS}/Task")


def test_creates_a_task_for_the_contact(vendor):
    vendor.reply("POST", f"{OBJECTS}/Task/", 201,
                 {"id": "00T5g00000AbCdE", "success": True, "errors": []})
    config = valid_config(TYPE, {
        **BASE, "credential_id": vendor.credential("bearer", secret="00D!tok"),
        "title": "Call back {{ customer.name }}", "notes": "Negative feedback",
        "priority": "High", "due_in": "2d", "contact_id": "0035g00000XyZ"})

    outcome = run(vendor.ctx(), config)

    assert outcome.output["id"] == "00T5g00000AbCdE"
    assert vendor.request["json"] == {
        "Subject": "Call back Ada Lovelace", "ActivityDate": "2026-03-12", "Priority": "High",
        "Status": "Not Started", "Description": "Negative feedback", "WhoId": "0035g00000XyZ"}
    assert vendor.request["headers"]["Authorization"] == "Bearer 00D!tok"


def test_creates_an_opportunity(vendor):
    vendor.reply("POST", f"{OBJECTS}/Opportunity/", 201, {"id": "0065g", "success": True})
    config = valid_config(TYPE, {
        **BASE, "credential_id": vendor.credential("bearer"), "operation": "create_opportunity",
        "title": "Renewal {{ customer.name }}", "amount": "{{ customer.clv }}", "due_in": "4w"})

    run(vendor.ctx(), config)

    assert vendor.request["json"] == {"Name": "Renewal Ada Lovelace",
                                      "StageName": "Prospecting", "CloseDate": "2026-04-07",
                                      "Amount": 1200.0}


def test_updates_a_contact(vendor):
    vendor.reply("PATCH", f"{OBJECTS}/Contact/0035g00000XyZ", 204, None)
    config = valid_config(TYPE, {
        **BASE, "credential_id": vendor.credential("bearer"), "operation": "update_contact",
        "contact_id": "0035g00000XyZ", "fields": {"Churn_Risk__c": "{{ customer.churn_score }}"}})

    outcome = run(vendor.ctx(), config)

    assert outcome == Continue("out", output={"status": 204, "id": None, "json": None})
    assert vendor.request["json"] == {"Churn_Risk__c": 0.8}


def test_a_refusal_says_salesforces_messages(vendor):
    vendor.reply("POST", f"{OBJECTS}/Opportunity/", 400, [
        {"message": "Required fields are missing: [StageName]",
         "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["StageName"]}])
    config = valid_config(TYPE, {**BASE, "credential_id": vendor.credential("bearer"),
                                 "operation": "create_opportunity", "title": "x"})

    assert run(vendor.ctx(), config) == Fail(
        "Salesforce refused: Required fields are missing: [StageName] (HTTP 400)")
