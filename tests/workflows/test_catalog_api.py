"""The catalog and template endpoints, through the API on PostgreSQL."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from apps.customers.models import Customer, Event
from tests.blocks.test_registry import CORE_PALETTE, PREVIOUS_KEYS

pytestmark = pytest.mark.django_db
ENTRY_KEYS = {"key", "source", "type", "version", "latest_version", "category", "group",
              "label", "description",
              "icon", "config_schema", "ui_schema", "ports", "dynamic_ports", "example_ports",
              "template_fields", "example_config", "template", "package", "trigger",
              "summary", "channel", "awaits", "changes"}


@pytest.fixture
def customer() -> Customer:
    return Customer.objects.create(external_id="C-1", first_name="Ada", tier="gold")


@pytest.fixture
def other_event() -> Event:
    other = Customer.objects.create(external_id="C-2")
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    return Event.objects.create(customer=other, type="purchase", occurred_at=now,
                                received_at=now, idempotency_key="other-1")


@pytest.mark.parametrize(("method", "path", "body"), [
    pytest.param("get", "/api/v1/blocks", None, id="catalog"),
    pytest.param("get", "/api/v1/templates/variables", None, id="variables"),
    pytest.param("post", "/api/v1/templates/preview", {"template": "x", "customer_id": "C-1"},
                 id="preview"),
])
def test_anonymous_is_refused(method, path, body):
    response = getattr(APIClient(), method)(path, body, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize("client_kind", ["viewer", "read-key"])
def test_catalog_serves_every_core_block(client_as, key_client, client_kind):
    client = client_as("viewer") if client_kind == "viewer" else key_client("read")

    response = client.get("/api/v1/blocks")

    assert response.status_code == 200
    entries = response.json()
    assert [entry["key"] for entry in entries if entry["source"] == "core"] == [
        *CORE_PALETTE, *PREVIOUS_KEYS]
    assert all(set(entry) == ENTRY_KEYS for entry in entries)
    send_sms = entries[CORE_PALETTE.index("action.send_sms")]
    assert send_sms["ports"] == ["out"] and \
        send_sms["template_fields"] == ["body", "variants.*.body"]
    assert send_sms["config_schema"]["required"] == ["body"]
    assert send_sms["config_schema"]["properties"]["body"]["maxLength"] == 1600
    assert send_sms["ui_schema"] == {"body": {"ui:widget": "liquid_textarea"},
                                     "variants": {"ui:field": "variants"},
                                     "ui:order": ["body", "category", "variants"]}
    branch = entries[CORE_PALETTE.index("flow.branch")]
    assert branch["dynamic_ports"]["always"] == ["else"]
    assert branch["example_ports"] == ["vip", "at_risk", "else"]
    assert (send_sms["package"], send_sms["trigger"]) == (None, None)
    segment = entries[CORE_PALETTE.index("trigger.segment")]
    assert segment["trigger"] == {"kind": "event", "listens_to": "segment.{on}",
                                  "audience_segment": "segment_id", "scan": None}
    date = entries[CORE_PALETTE.index("trigger.date")]
    assert date["trigger"] == {"kind": "scan", "listens_to": "", "audience_segment": "",
                               "scan": "date"}


def test_catalog_is_read_only(client_as):
    assert client_as("admin").post("/api/v1/blocks", {}, format="json").status_code == 405


def test_variables_for_the_picker(client_as):
    response = client_as("viewer").get("/api/v1/templates/variables")
    assert response.status_code == 200
    paths = [item["path"] for item in response.json()]
    assert {"customer.first_name", "customer.attributes.<name>", "event.properties.<name>",
            "offer.code", "offer.link"} <= set(paths)


@pytest.mark.parametrize(("language", "description"), [
    ("en", "First name."), ("de", "Vorname."), ("ru", "Имя.")])
def test_variables_are_described_in_the_readers_language(client_as, language, description):
    response = client_as("viewer").get("/api/v1/templates/variables",
                                       HTTP_ACCEPT_LANGUAGE=language)

    by_path = {item["path"]: item for item in response.json()}
    assert by_path["customer.first_name"]["description"] == description
    assert by_path["customer.first_name"]["example"] == "Ada"


def test_preview_renders_for_a_viewer(client_as, customer):
    event = Event.objects.create(
        customer=customer, type="feedback.submitted", properties={"score": 2},
        occurred_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        received_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), idempotency_key="fb-1")

    response = client_as("viewer").post("/api/v1/templates/preview", {
        "template": "Sorry {{ customer.first_name }}, {{ event.properties.score }}/10 😞",
        "customer_id": "C-1", "event_id": event.id, "channel": "sms"}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "rendered": "Sorry Ada, 2/10 😞", "errors": [], "warnings": [],
        "sms": {"length": 18, "characters": 17, "encoding": "UCS-2", "segments": 1},
    }


def test_preview_escapes_for_email(client_as, customer):
    customer.first_name = "<b>Ada</b>"
    customer.save()
    response = client_as("viewer").post("/api/v1/templates/preview", {
        "template": "<p>{{ customer.first_name }}</p>", "customer_id": "C-1",
        "channel": "email"}, format="json")
    assert response.json()["rendered"] == "<p>&lt;b&gt;Ada&lt;/b&gt;</p>"


def test_preview_answers_template_errors_in_the_body(client_as, customer):
    response = client_as("viewer").post("/api/v1/templates/preview", {
        "template": "{% include '/etc/passwd' %}", "customer_id": "C-1"}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "rendered": None, "warnings": [], "sms": None,
        "errors": [{"severity": "error", "code": "template_syntax",
                    "message": "unexpected tag 'include'", "line": 1, "column": 4}],
    }


@pytest.mark.parametrize(("body", "field", "code"), [
    pytest.param({"customer_id": "C-1"}, "template", "required", id="no-template"),
    pytest.param({"template": "x"}, "customer_id", "required", id="no-customer"),
    pytest.param({"template": "x", "customer_id": "nobody"}, "customer_id", "not_found",
                 id="unknown-customer"),
    pytest.param({"template": "x", "customer_id": "C-1", "event_id": 0}, "event_id",
                 "min_value", id="bad-event-id"),
    pytest.param({"template": "x", "customer_id": "C-1", "channel": "fax"}, "channel",
                 "invalid_choice", id="bad-channel"),
    pytest.param({"template": "x" * 100_001, "customer_id": "C-1"}, "template", "max_length",
                 id="template-too-long"),
])
def test_preview_bad_input_names_the_field(client_as, customer, body, field, code):
    response = client_as("viewer").post("/api/v1/templates/preview", body, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


def test_preview_refuses_another_customers_event(client_as, customer, other_event):
    response = client_as("viewer").post("/api/v1/templates/preview", {
        "template": "x", "customer_id": "C-1", "event_id": other_event.id}, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("event_id", "not_found")]


def test_preview_does_not_show_erased_customers(client_as, customer):
    Customer.objects.filter(pk=customer.pk).update(erased_at=dt.datetime.now(dt.UTC))
    response = client_as("viewer").post("/api/v1/templates/preview", {
        "template": "x", "customer_id": "C-1"}, format="json")
    assert response.status_code == 400


def test_preview_formats_for_the_variants_locale(client_as, customer):
    response = client_as("viewer").post("/api/v1/templates/preview", {
        "template": "Спасибо! {{ 1234.5 | money: 'RUB' }}", "customer_id": customer.external_id,
        "channel": "sms", "locale": "ru"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["rendered"] == "Спасибо! 1\xa0234,50\xa0₽"
    assert (body["sms"]["encoding"], body["sms"]["segments"]) == ("UCS-2", 1)


def test_preview_refuses_a_bad_locale(client_as, customer):
    response = client_as("viewer").post("/api/v1/templates/preview", {
        "template": "x", "customer_id": customer.external_id, "locale": "Deutsch"},
        format="json")
    assert response.status_code == 400
