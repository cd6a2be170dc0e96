"""Automated outbound calls through the real twilio SDK against the fake server: what is
dialled and said (TwiML), the calling window (consent, quiet hours, business hours), and
the signed status and key-press callbacks that become call.completed / call.key_pressed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from apps.customers.models import Event
from apps.customers.services import consent_entry
from apps.messaging.models import Message
from apps.messaging.services import message_send
from apps.tasks.models import TaskQueue
from tests.messaging.conftest import NOW, PUBLIC_URL, twilio_signature

pytestmark = pytest.mark.django_db
AGENT = "+4930123456"
BRIDGE = {"mode": "bridge", "agent_number": AGENT, "menu": "", "queue": "retention"}
MENU = {"mode": "message", "agent_number": "", "menu": "Drücken Sie die 1 für einen Rückruf.",
        "queue": "retention"}


@pytest.fixture
def caller(make_customer, queue, settings):
    """A customer in Berlin who agreed to calls, and a call queued for them at NOW."""
    settings.KEEPFLOW_CALL_PROVIDER = "twilio"

    def place(options: dict[str, Any] = BRIDGE, *, now: datetime = NOW,
              call_consent: str | None = "granted", **fields: Any) -> tuple[Any, dict]:
        consent = {"call": consent_entry(call_consent, "web_form", NOW - timedelta(days=3))
                   } if call_consent else {}
        customer = make_customer(consent=consent, **fields)
        result = queue(customer, "call", body="Guten Tag, einen Moment bitte.",
                       options=options, now=now, category="marketing")
        return customer, result

    return place


@pytest.fixture
def web() -> Client:
    return Client(enforce_csrf_checks=True)


def _post(web: Client, url: str, params: dict[str, str], signature: str | None = None) -> Any:
    signature = signature if signature is not None else twilio_signature(url, params)
    return web.post(url.removeprefix(PUBLIC_URL), params, HTTP_X_TWILIO_SIGNATURE=signature)


def _placed(caller, fake_provider, options: dict[str, Any] = BRIDGE, **fields: Any
            ) -> tuple[Message, dict[str, Any]]:
    _customer, result = caller(options, **fields)
    message_send(result["message_id"], now=NOW)
    return Message.objects.get(pk=result["message_id"]), fake_provider.twilio_calls[-1]


def test_a_bridge_call_dials_the_customer_then_the_agent(caller, fake_provider) -> None:
    message, call = _placed(caller, fake_provider)
    assert (message.status, message.provider) == ("sent", "twilio")
    assert message.provider_message_id.startswith("CA")
    assert (call["to"], call["from"], call["machine_detection"]) == (
        message.to, "+15005550006", "Enable")
    assert call["status_callback"] == (
        f"{PUBLIC_URL}/webhooks/twilio/call-status?message={message.pk}")
    assert call["twiml"] == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Say language="en-US">Guten Tag, einen Moment bitte.</Say>'
        f"<Dial>{AGENT}</Dial></Response>")


def test_a_message_call_speaks_the_customers_language_and_offers_a_key_menu(
        caller, fake_provider) -> None:
    message, call = _placed(caller, fake_provider, MENU, locale="de-AT")
    gather = f"{PUBLIC_URL}/webhooks/twilio/call-gather?message={message.pk}"
    assert call["twiml"] == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Gather action="{gather.replace("&", "&amp;")}" method="POST" numDigits="1" '
        'timeout="6"><Say language="de-DE">Guten Tag, einen Moment bitte.</Say>'
        '<Say language="de-DE">Drücken Sie die 1 für einen Rückruf.</Say></Gather>'
        "</Response>")


@pytest.mark.parametrize(("params", "status", "message_status"), [
    pytest.param({"CallStatus": "completed", "AnsweredBy": "human", "CallDuration": "42"},
                 "answered", "delivered", id="answered"),
    pytest.param({"CallStatus": "completed", "AnsweredBy": "machine_end_beep",
                  "CallDuration": "20"}, "voicemail", "delivered", id="voicemail"),
    pytest.param({"CallStatus": "busy"}, "busy", "failed", id="busy"),
    pytest.param({"CallStatus": "no-answer"}, "no_answer", "failed", id="no-answer"),
    pytest.param({"CallStatus": "failed"}, "failed", "failed", id="failed"),
])
def test_a_signed_status_callback_becomes_call_completed(caller, fake_provider, web, params,
                                                         status, message_status) -> None:
    message, call = _placed(caller, fake_provider)
    form = {"CallSid": message.provider_message_id, **params}

    response = _post(web, call["status_callback"], form)
    again = _post(web, call["status_callback"], form)  # Twilio retries: one event

    assert response.status_code == again.status_code == 200
    message.refresh_from_db()
    assert message.status == message_status
    event = Event.objects.get(type="call.completed")
    assert {k: event.properties[k] for k in ("call_id", "status", "duration", "node_id")} == {
        "call_id": message.pk, "status": status,
        "duration": int(params.get("CallDuration", 0)), "node_id": "a1"}


def test_ringing_is_not_an_outcome(caller, fake_provider, web) -> None:
    message, call = _placed(caller, fake_provider)
    _post(web, call["status_callback"], {"CallSid": message.provider_message_id,
                                         "CallStatus": "ringing"})
    assert not Event.objects.filter(type="call.completed").exists()


@pytest.mark.parametrize("signature", [
    pytest.param("", id="missing"),
    pytest.param("bm90IGEgc2lnbmF0dXJl", id="forged"),
])
@pytest.mark.parametrize("hook", ["status_callback", "gather"])
def test_an_unsigned_call_callback_is_403_and_changes_nothing(caller, fake_provider, web,
                                                              signature, hook) -> None:
    message, call = _placed(caller, fake_provider, MENU)
    url = call["status_callback"] if hook == "status_callback" else (
        f"{PUBLIC_URL}/webhooks/twilio/call-gather?message={message.pk}")
    params = {"CallSid": message.provider_message_id, "CallStatus": "completed",
              "Digits": "1"}
    assert _post(web, url, params, signature).status_code == 403
    message.refresh_from_db()
    assert message.status == "sent" and "digit" not in message.options
    assert not Event.objects.filter(type__startswith="call.").exists()


def test_a_key_press_becomes_an_event_and_rides_on_call_completed(caller, fake_provider,
                                                                  web) -> None:
    message, call = _placed(caller, fake_provider, MENU)
    sid = message.provider_message_id
    gather = f"{PUBLIC_URL}/webhooks/twilio/call-gather?message={message.pk}"
    assert _post(web, gather, {"CallSid": sid, "Digits": "1"}).status_code == 200
    _post(web, call["status_callback"], {"CallSid": sid, "CallStatus": "completed",
                                         "AnsweredBy": "human", "CallDuration": "9"})
    pressed = Event.objects.get(type="call.key_pressed")
    assert (pressed.properties["call_id"], pressed.properties["digit"]) == (message.pk, "1")
    assert Event.objects.get(type="call.completed").properties["digit"] == "1"


# --- when a call may be placed ------------------------------------------------------------


@pytest.mark.parametrize(("consent", "category", "status"), [
    pytest.param(None, "marketing", "suppressed", id="no-call-consent-marketing"),
    pytest.param("denied", "transactional", "suppressed", id="denied-transactional"),
    pytest.param(None, "transactional", "queued", id="no-opt-in-needed-for-service"),
])
def test_call_consent(make_customer, queue, consent, category, status) -> None:
    entry = {"call": consent_entry(consent, "web_form", NOW)} if consent else {}
    customer = make_customer(consent=entry)
    result = queue(customer, "call", body="Hi", options=BRIDGE, category=category)
    assert result["status"] == status
    if status == "suppressed":
        assert result["reason"] == "no_consent"


def test_a_call_in_quiet_hours_waits_for_the_morning(caller) -> None:
    # 22:30 in Berlin: quiet until 08:00 there, and the default queue opens at 09:00 UTC
    evening = datetime(2026, 3, 10, 21, 30, tzinfo=UTC)
    _customer, result = caller(now=evening)
    assert (result["status"], result["reason"]) == ("deferred", "quiet_hours")
    assert result["scheduled_at"] == "2026-03-11T09:00:00+00:00"


def test_a_call_outside_business_hours_waits_for_the_queue(caller) -> None:
    TaskQueue.objects.create(name="retention", timezone="Europe/Berlin", weekdays="0,1,2,3,4",
                             opens="14:00", closes="18:00")
    _customer, result = caller()  # 13:00 in Berlin: the queue opens at 14:00
    assert (result["status"], result["reason"]) == ("deferred", "business_hours")
    assert result["scheduled_at"] == "2026-03-10T13:00:00+00:00"


def test_the_call_cap_counts_calls_only(caller, settings) -> None:
    settings.KEEPFLOW_FREQUENCY_CAPS = {**settings.KEEPFLOW_FREQUENCY_CAPS,
                                        "call": {"count": 1, "days": 7}}
    customer, first = caller()
    from apps.messaging.services import message_queue

    second = message_queue(customer=customer, channel="call", body="Hi", options=BRIDGE,
                           idempotency_key="run:1:a1:2", now=NOW)
    assert first["status"] == "queued"
    assert (second["status"], second["reason"]) == ("suppressed", "frequency_cap")


def test_a_refused_call_emits_failed_so_the_run_goes_on(caller, fake_provider,
                                                        settings) -> None:
    settings.KEEPFLOW_MESSAGE_MAX_ATTEMPTS = 1
    fake_provider.script("calls", 500)
    _customer, result = caller()
    message_send(result["message_id"], now=NOW)
    assert Message.objects.get(pk=result["message_id"]).status == "failed"
    event = Event.objects.get(type="call.completed")
    assert (event.properties["status"], event.properties["call_id"]) == (
        "failed", result["message_id"])


def test_consent_withdrawn_before_the_call_is_placed_emits_not_called(caller) -> None:
    customer, result = caller()
    customer.consent = {"call": consent_entry("denied", "phone", NOW)}
    customer.save()
    message_send(result["message_id"], now=NOW)
    event = Event.objects.get(type="call.completed")
    assert (event.properties["status"], event.properties["reason"]) == (
        "not_called", "no_consent")
