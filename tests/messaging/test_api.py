"""GET /api/v1/messages (with status and reason), the operator's resend / fail for a
message in reconcile, the suppression list, and the customer's 360 timeline."""

import pytest

from apps.messaging.models import Message, Suppression
from apps.messaging.services import message_send
from tests.messaging.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def messages(make_customer, queue) -> dict[str, int]:
    ann, bob = make_customer(external_id="ann"), make_customer(external_id="bob",
                                                               email_consent=None)
    sent = queue(ann, "email")["message_id"]
    message_send(sent, now=NOW)
    return {"sent": sent, "sms": queue(ann, "sms")["message_id"],
            "suppressed": queue(bob, "email")["message_id"]}


def test_list_by_customer_with_status_and_reason(client_as, messages) -> None:
    response = client_as("viewer").get("/api/v1/messages?customer=bob")
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert {k: item[k] for k in ("id", "customer", "channel", "category", "status", "reason")} == {
        "id": messages["suppressed"], "customer": "bob", "channel": "email",
        "category": "marketing", "status": "suppressed", "reason": "no_consent"}
    assert "body" not in item


@pytest.mark.parametrize(("query", "expected"), [
    pytest.param("customer=ann", ["sms", "sent"], id="customer"),
    pytest.param("customer=ann&channel=sms", ["sms"], id="channel"),
    pytest.param("status=sent", ["sent"], id="status"),
    pytest.param("reason=no_consent", ["suppressed"], id="reason"),
    pytest.param("workflow_id=7", ["suppressed", "sms", "sent"], id="workflow"),
    pytest.param("customer=nobody", [], id="unknown-customer"),
])
def test_list_filters(client_as, messages, query, expected) -> None:
    body = client_as("viewer").get(f"/api/v1/messages?{query}").json()
    assert [item["id"] for item in body["results"]] == [messages[name] for name in expected]


@pytest.mark.parametrize("query", ["status=lost", "channel=fax", "since=yesterday"])
def test_bad_filters_are_400_naming_the_field(client_as, messages, query) -> None:
    response = client_as("viewer").get(f"/api/v1/messages?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


def test_detail_has_the_body_and_never_credentials(client_as, messages, settings) -> None:
    body = client_as("viewer").get(f"/api/v1/messages/{messages['sent']}").json()
    assert body["status"] == "sent" and body["provider"] == "console"
    assert body["body"].startswith("Sorry about your last order.")
    text = str(body)
    assert settings.SENDGRID_API_KEY not in text and settings.TWILIO_AUTH_TOKEN not in text


def test_an_sms_detail_shows_its_cost_in_segments(client_as, messages, make_customer,
                                                  queue) -> None:
    sms = client_as("viewer").get(f"/api/v1/messages/{messages['sms']}").json()
    email = client_as("viewer").get(f"/api/v1/messages/{messages['sent']}").json()
    unicode = queue(make_customer(), "sms", body="Entschuldigung 🙏 " * 5)["message_id"]
    long = client_as("viewer").get(f"/api/v1/messages/{unicode}").json()

    assert sms["sms"] == {"length": 6, "characters": 6, "encoding": "GSM-7", "segments": 1}
    assert email["sms"] is None
    assert long["sms"] == {"length": 90, "characters": 85, "encoding": "UCS-2", "segments": 2}


def test_needs_authentication(client, messages) -> None:
    assert client.get("/api/v1/messages").status_code in (401, 403)


def test_operator_resends_or_fails_a_message_in_reconcile(client_as, messages) -> None:
    Message.objects.filter(pk=messages["sms"]).update(status="reconcile", error="unknown")
    viewer, publisher = client_as("viewer"), client_as("publisher")
    url = f"/api/v1/messages/{messages['sms']}"
    assert viewer.post(f"{url}/resend").status_code == 403
    response = publisher.post(f"{url}/resend")
    assert response.status_code == 200 and response.json()["status"] == "queued"
    # queued now: cannot be resent again
    conflict = publisher.post(f"{url}/resend")
    assert conflict.status_code == 409
    failed = publisher.post(f"{url}/fail", {"note": "checked Twilio"}, format="json")
    assert failed.status_code == 200
    assert (failed.json()["status"], failed.json()["error"]) == (
        "failed", "failed by an operator: checked Twilio")
    assert publisher.post(f"{url}/fail", {}, format="json").status_code == 409


def test_suppression_list(client_as, make_customer, queue) -> None:
    admin, viewer = client_as("admin"), client_as("viewer")
    body = {"channel": "email", "address": "Gone@Example.com", "reason": "manual"}
    assert viewer.post("/api/v1/suppressions", body, format="json").status_code == 403
    created = admin.post("/api/v1/suppressions", body, format="json")
    assert created.status_code == 201
    assert created.json()["address"] == "gone@example.com"
    assert admin.post("/api/v1/suppressions", body, format="json").json()["id"] == (
        created.json()["id"])
    customer = make_customer(email="gone@example.com")
    assert queue(customer)["reason"] == "suppression_list"
    listed = viewer.get("/api/v1/suppressions?channel=email").json()["results"]
    assert [s["address"] for s in listed] == ["gone@example.com"]
    assert admin.delete(f"/api/v1/suppressions/{created.json()['id']}").status_code == 204
    assert not Suppression.objects.exists()
    bad = admin.post("/api/v1/suppressions", {"channel": "fax", "address": "x"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "channel"


def test_messages_appear_in_the_customer_timeline(client_as, messages) -> None:
    body = client_as("viewer").get("/api/v1/customers/bob").json()
    items = [item for item in body["timeline"] if item["kind"] == "message"]
    assert [(i["title"], i["data"]["id"]) for i in items] == [
        ("email suppressed (no_consent)", messages["suppressed"])]
