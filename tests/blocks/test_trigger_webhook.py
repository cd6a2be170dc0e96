import pytest

from blocks.base import Continue
from blocks.triggers.webhook import WebhookMappingError, json_path_get, run, webhook_map
from tests.blocks.conftest import first_error, valid_config

TYPE = "trigger.webhook"


@pytest.mark.parametrize("mapping", [
    pytest.param({"customer_id": "$.id"}, id="id-only"),
    pytest.param({"customer_id": "$.respondent['external id']", "email": "$.contact.email",
                  "properties.score": "$.answers[0].score",
                  "attributes.nps_segment": '$["segment"]'}, id="all-target-kinds"),
])
def test_valid_configs(mapping):
    model = valid_config(TYPE, {"field_mapping": mapping})
    assert (model.event_type, dict(model.field_mapping)) == ("webhook.received", mapping)


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "field_mapping", "required", id="missing-mapping"),
    pytest.param({"field_mapping": {"email": "$.email"}}, "field_mapping.customer_id",
                 "required", id="no-customer-id"),
    pytest.param({"field_mapping": {"customer_id": "id"}}, "field_mapping.customer_id",
                 "invalid_format", id="path-without-dollar"),
    pytest.param({"field_mapping": {"customer_id": "$..id"}}, "field_mapping.customer_id",
                 "invalid_format", id="recursive-descent"),
    pytest.param({"field_mapping": {"customer_id": "$.items[*]"}},
                 "field_mapping.customer_id", "invalid_format", id="wildcard"),
    pytest.param({"field_mapping": {"customer_id": "$.id", "password": "$.pw"}},
                 "field_mapping.password", "invalid_target", id="unknown-target"),
    pytest.param({"field_mapping": {"customer_id": "$.id"}, "secret": "s3cr3t"}, "secret",
                 "unknown_field", id="secret-not-in-config"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


PAYLOAD = {"respondent": {"external id": "C-9", "n": 5}, "answers": [{"score": 3}],
           "contact": {"email": "x@example.com"}}


@pytest.mark.parametrize(("path", "value"), [
    pytest.param("$.respondent['external id']", "C-9", id="quoted-key"),
    pytest.param("$.answers[0].score", 3, id="index"),
    pytest.param("$.answers[5].score", None, id="index-out-of-range"),
    pytest.param("$.respondent.n.deeper", None, id="through-a-scalar"),
    pytest.param("$.missing", None, id="missing-key"),
])
def test_json_path_get(path, value):
    assert json_path_get(path, PAYLOAD) == value


@pytest.mark.parametrize("path", ["$.answers[-1]", "answers", "$.a[*]", "$"])
def test_json_path_outside_the_subset_is_refused(path):
    with pytest.raises(ValueError, match="unsupported path"):
        json_path_get(path, PAYLOAD)


def test_mapping_extracts_profile_properties_and_attributes():
    config = valid_config(TYPE, {"field_mapping": {
        "customer_id": "$.respondent['external id']", "email": "$.contact.email",
        "properties.score": "$.answers[0].score", "attributes.phone_pref": "$.nothing"}})
    assert webhook_map(config, PAYLOAD) == {
        "customer_id": "C-9", "email": "x@example.com", "properties": {"score": 3},
        "attributes": {},
    }


@pytest.mark.parametrize("payload", [
    pytest.param({}, id="missing"),
    pytest.param({"id": {"nested": 1}}, id="object"),
    pytest.param({"id": True}, id="boolean"),
    pytest.param({"id": ""}, id="empty"),
    pytest.param([1, 2], id="payload-is-a-list"),
])
def test_mapping_without_a_customer_id_is_refused(payload):
    config = valid_config(TYPE, {"field_mapping": {"customer_id": "$.id"}})
    with pytest.raises(WebhookMappingError, match=r"no customer id at \$\.id"):
        webhook_map(config, payload)


def test_numeric_customer_id_becomes_text():
    config = valid_config(TYPE, {"field_mapping": {"customer_id": "$.id"}})
    assert webhook_map(config, {"id": 1042})["customer_id"] == "1042"


def test_run_continues_on_out(ctx):
    config = valid_config(TYPE, {"field_mapping": {"customer_id": "$.id"}})
    assert run(ctx, config) == Continue("out")


# --- Helpdesk presets ---------------------------------------------------------------------

ZENDESK_SOLVED = {"helpdesk": "zendesk",
                  "ticket": {"id": "35436", "subject": "Refund?", "status": "Solved",
                             "priority": "High"},
                  "requester": {"external_id": "C-42", "email": "ada@example.com",
                                "first_name": "Ada", "last_name": "Lovelace"},
                  "satisfaction": {"rating": "Unoffered", "comment": ""}}
FRESHDESK_RATED = {"helpdesk": "freshdesk",
                   "ticket": {"id": "7", "subject": "Login", "status": "Resolved",
                              "priority": "Low"},
                   "requester": {"external_id": "C-7", "email": "bo@example.com",
                                 "first_name": "Bo", "last_name": ""},
                   "satisfaction": {"rating": "Not Satisfied", "comment": "Too slow"}}


@pytest.mark.parametrize(("preset", "payload", "event_type", "mapped"), [
    pytest.param("zendesk_ticket_solved", ZENDESK_SOLVED, "helpdesk.ticket_solved", {
        "customer_id": "C-42", "email": "ada@example.com", "first_name": "Ada",
        "last_name": "Lovelace", "attributes": {},
        "properties": {"ticket_id": "35436", "helpdesk": "zendesk", "subject": "Refund?",
                       "status": "Solved", "priority": "High"}}, id="zendesk-solved"),
    pytest.param("freshdesk_csat_answered", FRESHDESK_RATED, "helpdesk.csat_answered", {
        "customer_id": "C-7", "email": "bo@example.com", "first_name": "Bo", "last_name": "",
        "attributes": {},
        "properties": {"ticket_id": "7", "helpdesk": "freshdesk", "rating": "Not Satisfied",
                       "comment": "Too slow"}}, id="freshdesk-csat"),
])
def test_a_helpdesk_preset_maps_its_ticket_webhook(preset, payload, event_type, mapped):
    config = valid_config(TYPE, {"preset": preset})

    assert config.event_type == event_type
    assert webhook_map(config, payload) == mapped


def test_a_preset_takes_extra_mappings_and_keeps_its_event_type():
    config = valid_config(TYPE, {"preset": "zendesk_satisfaction_rated",
                                 "event_type": "mine.changed",
                                 "field_mapping": {
                                     "attributes.last_csat": "$.satisfaction.rating"}})

    assert config.event_type == "helpdesk.csat_answered"
    assert webhook_map(config, FRESHDESK_RATED)["attributes"] == {"last_csat": "Not Satisfied"}


def test_every_preset_maps_the_body_its_helpdesk_is_told_to_send():
    from blocks.triggers.webhook import HELPDESK_BODIES, PRESETS, json_path_get

    for name, preset in PRESETS.items():
        body = HELPDESK_BODIES[name.split("_")[0]]
        for target, path in preset.field_mapping.items():
            assert json_path_get(path, body) is not None, (name, target)
