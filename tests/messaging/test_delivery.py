"""Delivery through the real sendgrid and twilio SDKs against the fake provider server:
what goes over the wire, retries with backoff, failures with the provider's message, and
the reconcile path for sends whose outcome is unknown."""

import base64
from datetime import timedelta

import pytest

from apps.customers.models import Event
from apps.messaging.models import Message
from apps.messaging.providers.twilio_sms import call_create
from apps.messaging.services import (
    message_reconcile,
    message_resend,
    message_send,
    messages_dispatch_due,
    retry_delay,
)
from tests.messaging.conftest import NOW, TWILIO_SID, TWILIO_TOKEN

pytestmark = pytest.mark.django_db


def test_sendgrid_request_carries_unsubscribe_headers_category_and_message_id(
        make_customer, queue, fake_provider) -> None:
    customer = make_customer()
    result = queue(customer, options={"from_name": "Shop Care", "reply_to": "help@shop.example"})

    step = message_send(result["message_id"], now=NOW)

    assert step.status == "sent"
    [request] = fake_provider.recorded("sendgrid")
    assert request.headers["Authorization"] == "Bearer SG.test-key"
    mail = request.json()
    message = Message.objects.get()
    link = mail["headers"]["List-Unsubscribe"]
    assert link.startswith("<https://keepflow.example.com/unsubscribe/") and link.endswith(">")
    assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["from"] == {"email": "care@shop.example", "name": "Shop Care"}
    assert mail["reply_to"] == {"email": "help@shop.example"}
    assert mail["personalizations"][0]["to"] == [{"email": customer.email}]
    assert mail["subject"] == "We are sorry"
    assert mail["categories"] == ["marketing"]
    assert mail["custom_args"] == {"keepflow_message_id": str(message.pk)}
    [content] = mail["content"]
    assert content["type"] == "text/html"
    assert content["value"].startswith("Sorry about your last order.<p")
    assert link[1:-1] in content["value"]
    assert (message.status, message.provider, message.attempts) == ("sent", "sendgrid", 1)
    assert len(message.provider_message_id) == 22


def test_provider_500_then_200_sends_exactly_once(make_customer, queue, fake_provider) -> None:
    fake_provider.script("sendgrid", 500)
    result = queue(make_customer())

    first = message_send(result["message_id"], now=NOW)
    assert (first.status, first.retry_in) == ("queued", 0.05)
    assert Message.objects.get().error == "SendGrid 500: internal error"
    second = message_send(result["message_id"], now=NOW)
    assert second.status == "sent"
    # a repeated task (redelivery) does nothing
    assert message_send(result["message_id"], now=NOW).status == "sent"

    assert [r.answered for r in fake_provider.recorded("sendgrid")] == [500, "ok"]
    message = Message.objects.get()
    assert (message.status, message.attempts, message.error) == ("sent", 2, "")


def test_a_send_that_keeps_failing_ends_failed_with_the_providers_message(
        make_customer, queue, fake_provider) -> None:
    fake_provider.script("messages", 429, 500, 503)
    result = queue(make_customer(), "sms")
    steps = [message_send(result["message_id"], now=NOW) for _ in range(3)]
    assert [s.status for s in steps] == ["queued", "queued", "failed"]
    message = Message.objects.get()
    assert message.status == "failed"
    assert message.error == ("Twilio 503 (code 20500): Unable to create record: Internal Server "
                             "Error after 3 attempts")
    assert len(fake_provider.recorded("messages")) == 3


def test_a_refusal_fails_at_once(make_customer, queue, fake_provider) -> None:
    fake_provider.script("sendgrid", 400)
    result = queue(make_customer())
    assert message_send(result["message_id"], now=NOW).status == "failed"
    assert Message.objects.get().error == "SendGrid 400: internal error"


def test_backoff_grows_and_honours_retry_after(settings) -> None:
    settings.KEEPFLOW_MESSAGE_RETRY_BASE_SECONDS = 30
    settings.KEEPFLOW_MESSAGE_RETRY_MAX_SECONDS = 300
    assert [retry_delay(n) for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 240, 300]
    assert retry_delay(1, retry_after=90) == 90


def test_twilio_request_and_status_callback_url(make_customer, queue, fake_provider) -> None:
    customer = make_customer()
    result = queue(customer, "sms", body="Sorry, Ada!")

    assert message_send(result["message_id"], now=NOW).status == "sent"

    [request] = fake_provider.recorded("messages")
    assert request.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    auth = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {auth}"
    assert request.form() == {
        "To": customer.phone, "From": "+15005550006", "Body": "Sorry, Ada!",
        "StatusCallback": "https://keepflow.example.com/webhooks/twilio/status"
                          f"?message={result['message_id']}",
    }
    message = Message.objects.get()
    assert message.provider_message_id == fake_provider.twilio_messages[0]["sid"]


def test_dropped_connection_after_create_goes_to_reconcile_never_a_blind_resend(
        make_customer, queue, fake_provider) -> None:
    # Given Twilio creates the message but the connection drops before the answer
    fake_provider.script("messages", "drop_after_create")
    result = queue(make_customer(), "sms")

    step = message_send(result["message_id"], now=NOW)

    # then the message waits in reconcile; a repeated task does not send again
    assert step.status == "reconcile" and step.reconcile_in is not None
    assert message_send(result["message_id"], now=NOW).status == "reconcile"
    assert messages_dispatch_due(now=NOW + timedelta(hours=1)) == {"deliver": [],
                                                                   "reconcile": []}
    assert len([r for r in fake_provider.recorded("messages") if r.method == "POST"]) == 1
    message = Message.objects.get()
    assert message.error.startswith("outcome unknown, not resent: Twilio: connection lost")
    # When it is reconciled, Twilio's Messages list (filtered by To/From) finds it: sent
    assert message_reconcile(result["message_id"], now=NOW) == "sent"
    message.refresh_from_db()
    assert message.provider_message_id == fake_provider.twilio_messages[0]["sid"]
    [lookup] = [r for r in fake_provider.recorded("messages") if r.method == "GET"]
    assert lookup.query["To"] == [message.to] and lookup.query["From"] == ["+15005550006"]


def test_reconcile_that_finds_nothing_waits_for_an_operator(make_customer, queue,
                                                            fake_provider) -> None:
    fake_provider.script("messages", "drop")
    result = queue(make_customer(), "sms")
    assert message_send(result["message_id"], now=NOW).status == "reconcile"

    assert message_reconcile(result["message_id"], now=NOW) == "reconcile"
    message = Message.objects.get()
    assert message.error.splitlines()[1] == (
        "reconcile 2026-03-10 12:00Z: Twilio has no such message: it was not sent; an "
        "operator may resend it")
    # an operator resends it
    message_resend(message, now=NOW)
    assert message_send(message.pk, now=NOW).status == "sent"
    assert len([r for r in fake_provider.recorded("messages") if r.method == "POST"]) == 2


def test_slow_answer_times_out_into_reconcile(make_customer, queue, fake_provider,
                                              settings) -> None:
    settings.KEEPFLOW_PROVIDER_TIMEOUT_SECONDS = 0.3
    fake_provider.slow_seconds = 1.0
    fake_provider.script("messages", "slow")
    fake_provider.script("sendgrid", "slow")
    customer = make_customer()
    sms, email = queue(customer, "sms"), queue(customer, "email")
    assert message_send(sms["message_id"], now=NOW).status == "reconcile"
    assert message_send(email["message_id"], now=NOW).status == "reconcile"
    # SendGrid cannot be asked: the Event Webhook or an operator settles it
    assert message_reconcile(email["message_id"], now=NOW) == "reconcile"
    assert "Event Webhook" in Message.objects.get(pk=email["message_id"]).error


def test_refused_connection_is_retried(make_customer, queue, fake_provider, settings) -> None:
    url = fake_provider.url
    fake_provider.stop()
    settings.SENDGRID_API_HOST = url
    result = queue(make_customer())
    step = message_send(result["message_id"], now=NOW)
    assert step.status == "queued" and step.retry_in is not None
    assert Message.objects.get().error.startswith("SendGrid unreachable")


def test_a_worker_that_died_mid_send_leaves_the_message_to_reconcile(
        make_customer, queue, settings) -> None:
    settings.KEEPFLOW_MESSAGE_SENDING_STALE_SECONDS = 600
    result = queue(make_customer(), "sms")
    Message.objects.filter(pk=result["message_id"]).update(
        status="sending", sending_at=NOW, provider="twilio")
    assert messages_dispatch_due(now=NOW + timedelta(minutes=5))["reconcile"] == []
    due = messages_dispatch_due(now=NOW + timedelta(minutes=11))
    assert due == {"deliver": [], "reconcile": [result["message_id"]]}
    assert Message.objects.get().status == "reconcile"


def test_lost_delivery_tasks_are_enqueued_again_with_a_lease(make_customer, queue) -> None:
    result = queue(make_customer())
    assert messages_dispatch_due(now=NOW + timedelta(seconds=30))["deliver"] == []
    assert messages_dispatch_due(now=NOW + timedelta(seconds=61))["deliver"] == [
        result["message_id"]]
    assert messages_dispatch_due(now=NOW + timedelta(seconds=120))["deliver"] == []


def test_console_provider_records_only(make_customer, queue) -> None:
    result = queue(make_customer(), "sms")
    assert message_send(result["message_id"], now=NOW).status == "sent"
    message = Message.objects.get()
    assert (message.provider, message.provider_message_id) == ("console",
                                                               f"console-{message.pk}")


def test_outbound_call_through_twilio_calls_api(fake_provider) -> None:
    sid = call_create(to="+4915100000001", twiml="<Response><Say>Hello</Say></Response>")
    [request] = fake_provider.recorded("calls")
    assert sid.startswith("CA")
    assert request.form() == {"To": "+4915100000001", "From": "+15005550006",
                              "Twiml": "<Response><Say>Hello</Say></Response>"}


def test_a_refused_sms_emits_sms_failed(make_customer, queue, fake_provider) -> None:
    fake_provider.script("messages", 400)
    result = queue(make_customer(), "sms")
    assert message_send(result["message_id"], now=NOW).status == "failed"
    event = Event.objects.get()
    assert event.type == "sms.failed"
    assert event.properties["message_id"] == result["message_id"]
    assert event.properties["error"].startswith("Twilio 400")


def test_a_delivery_batch_sends_checks_and_records_together(
        make_customer, queue, fake_provider, settings) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.messaging.models import Suppression
    from apps.messaging.services import messages_send

    # Given texts for four customers queued one by one: one number suppressed since, and
    # one customer with two marketing texts while the cap allows one (the second was
    # queued before the cap was lowered)
    settings.KEEPFLOW_FREQUENCY_CAPS = {"sms": {"count": 2, "days": 7}}
    customers = [make_customer() for _ in range(4)]
    ids = [queue(c, channel="sms", category="marketing")["message_id"] for c in customers]
    ids.append(queue(customers[3], channel="sms", category="marketing")["message_id"])
    Suppression.objects.create(channel="sms", address=customers[1].phone, reason="manual")
    settings.KEEPFLOW_FREQUENCY_CAPS = {"sms": {"count": 1, "days": 7}}

    # When one task delivers all five
    with CaptureQueriesContext(connection) as queries:
        steps = messages_send(ids, now=NOW + timedelta(hours=4))  # 15:00 in Berlin

    # Then each got its own verdict: sent, suppressed, sent, sent, over the cap at send
    # time (only the texts queued before it count)
    assert [steps[i].status for i in ids] == ["sent", "suppressed", "sent", "sent",
                                              "suppressed"]
    assert Message.objects.get(pk=ids[4]).reason == "frequency_cap"
    assert len(fake_provider.recorded("messages")) == 3
    # with a fixed number of statements: lock, facts, sending, lock again, outcomes
    assert len(queries) <= 14, [q["sql"][:80] for q in queries]


def test_a_delivery_batch_calls_its_provider_several_at_once_and_no_more(
        make_customer, queue, fake_provider, settings) -> None:
    from apps.messaging.services import messages_send

    # Given twelve queued texts, a provider that takes 0.2 s to answer, and at most four
    # calls at once
    settings.KEEPFLOW_DELIVERY_CONCURRENCY = 4
    fake_provider.latency_seconds = 0.2
    ids = [queue(make_customer(), channel="sms")["message_id"] for _ in range(12)]

    # When one task delivers them
    steps = messages_send(ids, now=NOW + timedelta(hours=4))

    # Then every text went out once, with its own sid, and four calls overlapped
    assert {steps[i].status for i in ids} == {"sent"}
    assert len(fake_provider.recorded("messages")) == 12
    sids = set(Message.objects.filter(pk__in=ids).values_list("provider_message_id", flat=True))
    assert len(sids) == 12 and all(sid.startswith("SM") for sid in sids)
    assert fake_provider.in_flight_most == 4


def test_a_provider_that_raises_in_a_concurrent_batch_leaves_only_its_message_unknown(
        make_customer, queue, fake_provider, monkeypatch) -> None:
    from apps.messaging.providers.twilio_sms import TwilioProvider
    from apps.messaging.services import messages_send

    # Given three texts, and a provider bug that strikes the second one's call
    ids = [queue(make_customer(), channel="sms")["message_id"] for _ in range(3)]
    send = TwilioProvider.send

    def buggy(self: TwilioProvider, message: Message):
        if message.pk == ids[1]:
            raise KeyError("sid")
        return send(self, message)

    monkeypatch.setattr(TwilioProvider, "send", buggy)

    # When one task delivers them
    steps = messages_send(ids, now=NOW + timedelta(hours=4))

    # Then the others were sent and the second went to reconcile with the bug's text
    assert [steps[i].status for i in ids] == ["sent", "reconcile", "sent"]
    assert "provider error: KeyError" in Message.objects.get(pk=ids[1]).error


def test_an_erasure_during_the_providers_call_is_not_undone_by_the_outcome(
        make_customer, queue, fake_provider, monkeypatch, settings) -> None:
    from apps.customers.erasure import customers_erase
    from apps.messaging.providers.twilio_sms import TwilioProvider
    from apps.messaging.services import messages_send

    # Given two texts, and the first customer erased while the provider is being called
    # (calls one at a time, in this thread: the test's rows are not committed)
    settings.KEEPFLOW_DELIVERY_CONCURRENCY = 1
    customers = [make_customer(), make_customer()]
    ids = [queue(c, channel="sms")["message_id"] for c in customers]
    send = TwilioProvider.send

    def erased_meanwhile(self: TwilioProvider, message: Message):
        if message.pk == ids[0]:
            customers_erase([customers[0].pk])
        return send(self, message)

    monkeypatch.setattr(TwilioProvider, "send", erased_meanwhile)

    # When one task delivers them
    steps = messages_send(ids, now=NOW + timedelta(hours=4))

    # Then both were sent, and the erased customer's number stays erased
    assert {steps[i].status for i in ids} == {"sent"}
    erased, kept = (Message.objects.get(pk=i) for i in ids)
    assert (erased.to, erased.body) == ("", "[erased]")
    assert erased.provider_message_id.startswith("SM")
    assert kept.to == customers[1].phone


def test_a_delivery_webhook_during_the_providers_call_is_kept(
        make_customer, queue, fake_provider, monkeypatch, settings) -> None:
    from apps.messaging.providers.twilio_sms import TwilioProvider
    from apps.messaging.services import message_delivery_update, messages_send

    # Given two texts, and the first one's "delivered" callback arriving before its
    # call has returned (calls one at a time, in this thread)
    settings.KEEPFLOW_DELIVERY_CONCURRENCY = 1
    ids = [queue(make_customer(), channel="sms")["message_id"] for _ in range(2)]
    send = TwilioProvider.send

    def delivered_meanwhile(self: TwilioProvider, message: Message):
        result = send(self, message)
        if message.pk == ids[0]:
            message_delivery_update(message, "delivered", event_key="cb-1",
                                    provider_message_id=result.provider_message_id)
        return result

    monkeypatch.setattr(TwilioProvider, "send", delivered_meanwhile)

    # When one task delivers them
    steps = messages_send(ids, now=NOW + timedelta(hours=4))

    # Then the first stays delivered (not set back to sent), the second is sent
    assert [steps[i].status for i in ids] == ["delivered", "sent"]
    first, second = (Message.objects.get(pk=i) for i in ids)
    assert first.status == "delivered" and first.delivered_at is not None
    assert first.provider_message_id.startswith("SM")
    assert second.status == "sent" and second.sent_at is not None
