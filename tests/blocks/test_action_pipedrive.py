"""action.pipedrive against a fake Pipedrive: v1 deals, activities and person updates
with the x-api-token header, and success: false as a refusal."""

import pytest

from blocks.base import Fail
from blocks.registry import block_get
from tests.blocks.conftest import first_error, valid_config

TYPE = "action.pipedrive"
run = block_get(TYPE).run
BASE = {"company": "acme", "credential_id": 1}


@pytest.mark.parametrize(("config", "error"), [
    pytest.param({**BASE, "title": "x", "currency": "euro"},
                 ("currency", "string_pattern_mismatch"), id="currency"),
    pytest.param({**BASE, "operation": "update_person", "person_id": "5"},
                 ("fields", "required"), id="update-nothing"),
])
def test_invalid_configs(config, error):
    assert first_error(TYPE, config) == error


def _token(vendor):
    return vendor.credential("header", secret="pd-token", header_name="x-api-token")


def test_creates_a_deal(vendor):
    vendor.reply("POST", "/api/v1/deals", 201, {"success": True, "data": {"id": 42}})
    config = valid_config(TYPE, {**BASE, "credential_id": _token(vendor),
                                 "title": "Upgrade {{ customer.name }}", "value": "990",
                                 "currency": "EUR", "person_id": "7"})

    assert run(vendor.ctx(), config).output["id"] == 42
    assert vendor.request["json"] == {"title": "Upgrade Ada Lovelace", "value": 990,
                                      "currency": "EUR", "person_id": 7}
    assert vendor.request["headers"]["x-api-token"] == "pd-token"


def test_plans_a_call(vendor):
    vendor.reply("POST", "/api/v1/activities", 201, {"success": True, "data": {"id": 3}})
    config = valid_config(TYPE, {**BASE, "credential_id": _token(vendor),
                                 "operation": "create_activity",
                                 "title": "Call {{ customer.name }}",
                                 "notes": "Churn risk", "due_in": "1d"})

    run(vendor.ctx(), config)

    assert vendor.request["json"] == {"subject": "Call Ada Lovelace", "type": "call",
                                      "due_date": "2026-03-11", "note": "Churn risk"}


def test_updates_a_person(vendor):
    vendor.reply("PUT", "/api/v1/persons/7", 200, {"success": True, "data": {"id": 7}})
    config = valid_config(TYPE, {**BASE, "credential_id": _token(vendor),
                                 "operation": "update_person", "person_id": "7",
                                 "fields": {"phone": "{{ customer.phone }}"}})

    run(vendor.ctx(), config)

    assert (vendor.request["method"], vendor.request["json"]) == (
        "PUT", {"phone": "+4915112345678"})


def test_success_false_is_a_refusal(vendor):
    vendor.reply("PUT", "/api/v1/persons/7", 200, {"success": False,
                                                    "error": "Person not found"})
    config = valid_config(TYPE, {**BASE, "credential_id": _token(vendor),
                                 "operation": "update_person", "person_id": "7",
                                 "fields": {"name": "x"}})

    assert run(vendor.ctx(), config) == Fail("Pipedrive refused: Person not found")
