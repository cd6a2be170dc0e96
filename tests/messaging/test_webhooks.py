"""Public endpoints: the one-click unsubscribe, Twilio inbound SMS (STOP / START) and
status callbacks with X-Twilio-Signature, SendGrid's signed Event Webhook. A forged
signature is a 403 and changes nothing."""

import json
import time
from typing import Any

import pytest
from django.test import Client

from apps.customers.models import Customer, Event
from apps.messaging.links import unsubscribe_token
from apps.messaging.models import Message, Suppression
from apps.messaging.services import message_send
from tests.messaging.conftest import NOW, PUBLIC_URL, twilio_signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def web() -> Client:
    return Client(enforce_csrf_checks=True)


def _consent(customer: Customer, channel: str) -> dict[str, str]:
    customer.refresh_from_db()
    return customer.consent[channel]


# --- unsubscribe -------------------------------------------------------------------------


def test_unsubscribe_page_asks_first_and_the_one_click_post_revokes(make_customer, web) -> None:
    customer = make_customer()
    url = f"/unsubscribe/{unsubscribe_token(customer.pk)}"

    page = web.get(url)
    assert page.status_code == 200 and b"<form method=\"post\">" in page.content
    assert _consent(customer, "email")["status"] == "granted"  # a GET changes nothing

    # RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, without cookies or CSRF
    done = web.post(url, "List-Unsubscribe=One-Click",
                    content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200 and b"You are unsubscribed" in done.content
    consent = _consent(customer, "email")
    assert (consent["status"], consent["source"]) == ("denied", "unsubscribe")
    assert _consent(customer, "sms")["status"] == "granted"


@pytest.mark.parametrize("token", [
    pytest.param("eyJjIjoxfQ:forged", id="forged"),
    pytest.param("nonsense", id="garbage"),
])
def test_a_bad_unsubscribe_token_is_refused(make_customer, web, token) -> None:
    customer = make_customer()
    assert web.post(f"/unsubscribe/{token}").status_code == 404
    assert _consent(customer, "email")["status"] == "granted"


def test_the_unsubscribe_link_in_a_sent_email_works(make_customer, queue, fake_provider,
                                                     web) -> None:
    customer = make_customer()
    message_send(queue(customer)["message_id"], now=NOW)
    header = fake_provider.recorded("sendgrid")[0].json()["headers"]["List-Unsubscribe"]
    path = header[1:-1].removeprefix(PUBLIC_URL)
    assert web.post(path, "List-Unsubscribe=One-Click",
                    content_type="application/x-www-form-urlencoded").status_code == 200
    assert _consent(customer, "email")["status"] == "denied"
    # and the next marketing e-mail is suppressed
    assert queue(customer)["reason"] == "no_consent"


# --- Twilio ------------------------------------------------------------------------------


def _twilio_post(web: Client, path: str, params: dict[str, str],
                 signature: str | None = None) -> Any:
    signature = signature if signature is not None else twilio_signature(
        PUBLIC_URL + path, params)
    return web.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.mark.parametrize(("body", "status", "source"), [
    pytest.param("STOP", "denied", "sms_stop", id="stop"),
    pytest.param(" unsubscribe ", "denied", "sms_stop", id="unsubscribe-any-case"),
    pytest.param("Cancel", "denied", "sms_stop", id="cancel"),
])
def test_stop_revokes_sms_consent(make_customer, web, body, status, source) -> None:
    customer = make_customer()
    response = _twilio_post(web, "/webhooks/twilio/inbound",
                            {"From": customer.phone, "Body": body, "MessageSid": "SM1"})
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    consent = _consent(customer, "sms")
    assert (consent["status"], consent["source"]) == (status, source)
    assert _consent(customer, "email")["status"] == "granted"
    event = Event.objects.get(type="sms.received")
    assert event.properties == {"body": body, "keyword": "denied", "from": customer.phone}


def test_start_restores_sms_consent_and_other_text_changes_nothing(make_customer, web) -> None:
    customer = make_customer(sms_consent="denied")
    _twilio_post(web, "/webhooks/twilio/inbound", {"From": customer.phone, "Body": "thanks"})
    assert _consent(customer, "sms")["status"] == "denied"
    _twilio_post(web, "/webhooks/twilio/inbound", {"From": customer.phone, "Body": "START"})
    consent = _consent(customer, "sms")
    assert (consent["status"], consent["source"]) == ("granted", "sms_start")


def test_after_stop_the_next_sms_is_suppressed(make_customer, web, queue) -> None:
    customer = make_customer()
    _twilio_post(web, "/webhooks/twilio/inbound", {"From": customer.phone, "Body": "STOP"})
    result = queue(customer, "sms", category="transactional")
    assert (result["status"], result["reason"]) == ("suppressed", "no_consent")


@pytest.mark.parametrize("signature", [
    pytest.param("", id="missing"),
    pytest.param("bm90IGEgc2lnbmF0dXJl", id="forged"),
    pytest.param("other-token", id="signed-with-another-token"),
])
def test_forged_twilio_signature_is_403_and_nothing_changes(make_customer, web,
                                                            signature) -> None:
    customer = make_customer()
    params = {"From": customer.phone, "Body": "STOP"}
    if signature == "other-token":
        signature = twilio_signature(PUBLIC_URL + "/webhooks/twilio/inbound", params,
                                     token="not-ours")
    response = _twilio_post(web, "/webhooks/twilio/inbound", params, signature)
    assert response.status_code == 403
    assert _consent(customer, "sms")["status"] == "granted"
    assert not Event.objects.exists()


def _sent_sms(make_customer, queue, fake_provider) -> Message:
    message_send(queue(make_customer(), "sms")["message_id"], now=NOW)
    return Message.objects.get()


@pytest.mark.parametrize(("twilio_status", "status", "event"), [
    pytest.param("delivered", "delivered", "sms.delivered", id="delivered"),
    pytest.param("undelivered", "failed", "sms.failed", id="undelivered"),
    pytest.param("failed", "failed", "sms.failed", id="failed"),
    pytest.param("sent", "sent", None, id="sent"),
])
def test_twilio_status_callback_updates_the_message_and_emits_the_event(
        make_customer, queue, fake_provider, web, twilio_status, status, event) -> None:
    message = _sent_sms(make_customer, queue, fake_provider)
    path = f"/webhooks/twilio/status?message={message.pk}"
    params = {"MessageSid": message.provider_message_id, "MessageStatus": twilio_status,
              "ErrorCode": "30003" if twilio_status != "delivered" else ""}
    # twice: Twilio retries; the event is stored once
    for _ in range(2):
        assert _twilio_post(web, path, params).status_code == 200
    message.refresh_from_db()
    assert message.status == status
    events = list(Event.objects.values_list("type", "properties"))
    if event is None:
        assert events == []
    else:
        [(kind, properties)] = events
        assert kind == event
        assert properties["message_id"] == message.pk
        assert properties["workflow_id"] == 7 and properties["node_id"] == "a1"
        if status == "failed":
            assert message.error == f"Twilio {twilio_status} (error 30003)"


def test_twilio_status_callback_settles_a_message_in_reconcile(make_customer, queue,
                                                               fake_provider, web) -> None:
    fake_provider.script("messages", "drop_after_create")
    message_send(queue(make_customer(), "sms")["message_id"], now=NOW)
    message = Message.objects.get()
    assert (message.status, message.provider_message_id) == ("reconcile", "")
    sid = fake_provider.twilio_messages[0]["sid"]
    _twilio_post(web, f"/webhooks/twilio/status?message={message.pk}",
                 {"MessageSid": sid, "MessageStatus": "delivered"})
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == ("delivered", sid)


def test_forged_twilio_status_callback_is_403_and_nothing_changes(make_customer, queue,
                                                                  fake_provider, web) -> None:
    message = _sent_sms(make_customer, queue, fake_provider)
    path = f"/webhooks/twilio/status?message={message.pk}"
    params = {"MessageSid": message.provider_message_id, "MessageStatus": "delivered"}
    # signed for another URL (another message): refused
    forged = twilio_signature(PUBLIC_URL + "/webhooks/twilio/status?message=999", params)
    assert _twilio_post(web, path, params, forged).status_code == 403
    message.refresh_from_db()
    assert message.status == "sent"
    assert not Event.objects.exists()


# --- SendGrid ----------------------------------------------------------------------------


def _sent_email(make_customer, queue, fake_provider) -> Message:
    message_send(queue(make_customer())["message_id"], now=NOW)
    return Message.objects.get()


def _sendgrid_events(message: Message, *names: str, **extra: Any) -> list[dict[str, Any]]:
    return [{"email": message.to, "timestamp": 1773144000 + i, "event": name,
             "sg_event_id": f"ev-{name}-{i}",
             "sg_message_id": f"{message.provider_message_id}.filter0001.1.0",
             "keepflow_message_id": str(message.pk), **extra}
            for i, name in enumerate(names)]


def _sendgrid_post(web: Client, signer: Any, events: list[dict[str, Any]],
                   headers: dict[str, str] | None = None) -> Any:
    payload = json.dumps(events)
    return web.post("/webhooks/sendgrid/events", payload, content_type="application/json",
                    **(headers if headers is not None else signer.headers(payload)))


def test_sendgrid_events_move_the_message_on_and_emit_customer_events(
        make_customer, queue, fake_provider, web, sendgrid_signer) -> None:
    message = _sent_email(make_customer, queue, fake_provider)
    events = _sendgrid_events(message, "processed", "delivered", "open", "click",
                              url="https://shop.example/offer")
    assert _sendgrid_post(web, sendgrid_signer, events).status_code == 200
    # SendGrid retries a batch it is unsure of: nothing happens twice
    assert _sendgrid_post(web, sendgrid_signer, events).status_code == 200

    message.refresh_from_db()
    assert message.status == "clicked"
    assert all([message.delivered_at, message.opened_at, message.clicked_at])
    stored = dict(Event.objects.values_list("type", "properties"))
    assert sorted(stored) == ["email.clicked", "email.delivered", "email.opened"]
    assert stored["email.clicked"]["url"] == "https://shop.example/offer"
    assert stored["email.opened"]["message_id"] == message.pk


def test_an_open_after_a_click_does_not_go_back(make_customer, queue, fake_provider, web,
                                                sendgrid_signer) -> None:
    message = _sent_email(make_customer, queue, fake_provider)
    _sendgrid_post(web, sendgrid_signer, _sendgrid_events(message, "click", "open"))
    message.refresh_from_db()
    assert message.status == "clicked"


def test_a_bounce_suppresses_the_address(make_customer, queue, fake_provider, web,
                                         sendgrid_signer) -> None:
    message = _sent_email(make_customer, queue, fake_provider)
    _sendgrid_post(web, sendgrid_signer, _sendgrid_events(
        message, "bounce", type="bounce", reason="550 5.1.1 unknown user"))
    message.refresh_from_db()
    assert (message.status, message.error) == ("bounced",
                                               "SendGrid bounce: 550 5.1.1 unknown user")
    assert Suppression.objects.filter(channel="email", address=message.to,
                                      reason="bounce").exists()
    assert Event.objects.get().type == "email.bounced"
    assert queue(message.customer, category="transactional")["reason"] == "suppression_list"


def test_a_spam_report_revokes_consent_and_suppresses(make_customer, queue, fake_provider, web,
                                                      sendgrid_signer) -> None:
    message = _sent_email(make_customer, queue, fake_provider)
    _sendgrid_post(web, sendgrid_signer, _sendgrid_events(message, "spamreport"))
    assert _consent(message.customer, "email")["source"] == "sendgrid_spamreport"
    assert Suppression.objects.get().reason == "spamreport"


def test_sendgrid_processed_settles_an_email_in_reconcile(make_customer, queue, fake_provider,
                                                          web, sendgrid_signer,
                                                          settings) -> None:
    settings.KEEPFLOW_PROVIDER_TIMEOUT_SECONDS = 0.3
    fake_provider.slow_seconds = 1.0
    fake_provider.script("sendgrid", "slow")
    message = _sent_email(make_customer, queue, fake_provider)
    assert message.status == "reconcile"
    _sendgrid_post(web, sendgrid_signer, _sendgrid_events(message, "processed"))
    message.refresh_from_db()
    assert message.status == "sent"


@pytest.mark.parametrize("forgery", ["tampered-body", "other-key", "no-headers", "bad-base64"])
def test_forged_sendgrid_signature_is_403_and_nothing_changes(
        make_customer, queue, fake_provider, web, sendgrid_signer, forgery) -> None:
    from tests.messaging.conftest import SendGridSigner

    message = _sent_email(make_customer, queue, fake_provider)
    events = _sendgrid_events(message, "bounce", type="bounce")
    payload = json.dumps(events)
    headers = {
        "tampered-body": sendgrid_signer.headers(payload.replace("bounce", "open", 1)),
        "other-key": SendGridSigner().headers(payload),
        "no-headers": {},
        "bad-base64": {"HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": "%%%",
                       "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": "1"},
    }[forgery]
    assert _sendgrid_post(web, sendgrid_signer, events, headers).status_code == 403
    message.refresh_from_db()
    assert message.status == "sent"
    assert not Event.objects.exists() and not Suppression.objects.exists()


def test_sendgrid_webhook_without_a_configured_key_refuses_everything(
        make_customer, queue, fake_provider, web, sendgrid_signer, settings) -> None:
    message = _sent_email(make_customer, queue, fake_provider)
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = ""
    events = _sendgrid_events(message, "delivered")
    assert _sendgrid_post(web, sendgrid_signer, events).status_code == 403


@pytest.mark.parametrize(("age", "status"), [
    pytest.param(-30, 200, id="a-little-ahead-clock-skew"),
    pytest.param(240, 200, id="four-minutes-old"),
    pytest.param(360, 403, id="six-minutes-old-replay"),
    pytest.param(-360, 403, id="six-minutes-ahead"),
])
def test_sendgrid_signed_timestamps_older_than_the_limit_are_refused(
        make_customer, queue, fake_provider, web, sendgrid_signer, settings, age, status) -> None:
    """A captured, validly signed batch replayed later is refused (default limit 5 min)."""
    assert settings.SENDGRID_WEBHOOK_MAX_AGE_SECONDS == 300
    message = _sent_email(make_customer, queue, fake_provider)
    events = _sendgrid_events(message, "bounce", type="bounce")
    headers = sendgrid_signer.headers(json.dumps(events), str(int(time.time()) - age))

    assert _sendgrid_post(web, sendgrid_signer, events, headers).status_code == status
    assert Suppression.objects.exists() is (status == 200)


@pytest.mark.parametrize("number", ["1e309", "-1e400", "9" * 400])
def test_sendgrid_numbers_out_of_range_are_a_400(make_customer, queue, fake_provider, web,
                                                 sendgrid_signer, number) -> None:
    message = _sent_email(make_customer, queue, fake_provider)
    payload = json.dumps(_sendgrid_events(message, "delivered")).replace(
        '"timestamp": 1773144000', f'"timestamp": {number}')
    response = web.post("/webhooks/sendgrid/events", payload, content_type="application/json",
                        **sendgrid_signer.headers(payload))
    assert response.status_code == 400
    message.refresh_from_db()
    assert message.status == "sent"
