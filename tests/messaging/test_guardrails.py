"""Guardrails at queue time and again at send time: consent, stale opt-ins, the
suppression list, the frequency cap across workflows, quiet hours (driven time)."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.common.templating import template_context_for, template_render
from apps.customers.erasure import customer_erase
from apps.customers.models import Event
from apps.customers.services import consent_entry
from apps.messaging.models import Message
from apps.messaging.services import (
    message_queue,
    message_send,
    messages_dispatch_due,
    suppression_add,
)
from tests.messaging.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("channel", "consent"), [
    pytest.param("email", None, id="email-no-entry"),
    pytest.param("email", "unknown", id="email-unknown"),
    pytest.param("email", "denied", id="email-denied"),
    pytest.param("sms", None, id="sms-no-entry"),
    pytest.param("sms", "denied", id="sms-denied"),
])
def test_no_consent_is_suppressed_and_never_sent(make_customer, queue, fake_provider,
                                                 channel, consent) -> None:
    # Given a customer without an opt-in on the channel
    customer = make_customer(**{f"{channel}_consent": consent})
    # When a workflow sends a marketing message
    result = queue(customer, channel)
    # then it is recorded as suppressed with the reason, and no provider hears of it
    assert result == {"message_id": result["message_id"], "status": "suppressed",
                      "reason": "no_consent"}
    assert message_send(result["message_id"], now=NOW).status == "suppressed"
    assert fake_provider.requests == []


def test_transactional_needs_no_opt_in_but_a_no_still_stops_it(make_customer, queue) -> None:
    assert queue(make_customer(email_consent=None), category="transactional")["status"] == (
        "queued")
    denied = queue(make_customer(email_consent="denied"), category="transactional")
    assert (denied["status"], denied["reason"]) == ("suppressed", "no_consent")


def test_consent_revoked_after_queueing_is_checked_again_at_send_time(
        make_customer, queue, fake_provider) -> None:
    customer = make_customer()
    result = queue(customer, "sms")
    customer.consent["sms"] = consent_entry("denied", "sms_stop", NOW)
    customer.save()
    assert message_send(result["message_id"], now=NOW).status == "suppressed"
    assert Message.objects.get().reason == "no_consent"
    assert fake_provider.requests == []


@pytest.mark.parametrize(("engagement", "expected"), [
    pytest.param(None, ("suppressed", "stale_consent"), id="silent-for-3-years"),
    pytest.param("email.opened", ("queued", None), id="opened-last-month"),
    pytest.param("email.clicked", ("queued", None), id="clicked-last-month"),
    pytest.param("last_seen", ("queued", None), id="active-last-month"),
    pytest.param("old_open", ("suppressed", "stale_consent"), id="opened-3-years-ago"),
])
def test_stale_email_opt_in(make_customer, queue, engagement, expected) -> None:
    customer = make_customer(consent_at=NOW - timedelta(days=3 * 365))
    if engagement == "last_seen":
        customer.last_seen_at = NOW - timedelta(days=30)
        customer.save()
    elif engagement:
        kind = "email.opened" if engagement == "old_open" else engagement
        when = NOW - timedelta(days=3 * 365 if engagement == "old_open" else 30)
        Event.objects.create(customer=customer, type=kind, occurred_at=when, received_at=when,
                             idempotency_key=f"e-{engagement}")
    result = queue(customer)
    assert (result["status"], result["reason"]) == expected


def test_stale_opt_in_does_not_apply_to_sms(make_customer, queue) -> None:
    customer = make_customer(consent_at=NOW - timedelta(days=3 * 365))
    assert queue(customer, "sms")["status"] == "queued"


def test_cap_reached_is_suppressed_with_the_reason_across_workflows(make_customer,
                                                                    queue) -> None:
    customer = make_customer()
    # Given three marketing e-mails this week from three different workflows
    for day, workflow in ((6, 1), (3, 2), (1, 3)):
        assert queue(customer, workflow_id=workflow,
                     now=NOW - timedelta(days=day))["status"] == "queued"
    # When a fourth workflow sends one
    result = queue(customer, workflow_id=4)
    # then it is suppressed with the reason; SMS has its own cap; transactional is exempt
    assert (result["status"], result["reason"]) == ("suppressed", "frequency_cap")
    assert queue(customer, "sms")["status"] == "queued"
    assert queue(customer, category="transactional")["status"] == "queued"
    # and a week after the first, there is room again
    assert queue(customer, now=NOW + timedelta(days=1, minutes=1))["status"] == "queued"


def test_suppressed_and_failed_messages_do_not_count_against_the_cap(make_customer,
                                                                      queue) -> None:
    customer = make_customer()
    for _ in range(3):
        queue(customer)
    Message.objects.update(status="failed")
    assert queue(customer)["status"] == "queued"


def test_the_cap_is_checked_again_at_send_time_against_earlier_messages(make_customer,
                                                                         queue) -> None:
    customer = make_customer()
    first = queue(customer)
    # raising the cap's count lets the messages in; lowering it again before the send
    assert message_send(first["message_id"], now=NOW).status == "sent"
    second, third = queue(customer), queue(customer)
    from django.test import override_settings

    with override_settings(KEEPFLOW_FREQUENCY_CAPS={"email": {"count": 2, "days": 7}}):
        assert message_send(second["message_id"], now=NOW).status == "sent"
        assert message_send(third["message_id"], now=NOW).status == "suppressed"
    assert Message.objects.get(pk=third["message_id"]).reason == "frequency_cap"


def test_suppression_list_stops_every_category(make_customer, queue) -> None:
    customer = make_customer(email="Bounced@Example.com")
    suppression_add("email", "bounced@example.com", "bounce")
    for category in ("marketing", "transactional"):
        result = queue(customer, category=category)
        assert (result["status"], result["reason"]) == ("suppressed", "suppression_list")
    assert queue(customer, "sms")["status"] == "queued"


def test_no_address(make_customer, queue) -> None:
    result = queue(make_customer(phone=""), "sms")
    assert (result["status"], result["reason"]) == ("suppressed", "no_address")


@pytest.mark.parametrize(("tz", "local_now", "opens_utc"), [
    # 22:30 in Berlin (CET, UTC+1) -> 08:00 Berlin the next morning = 07:00 UTC
    pytest.param("Europe/Berlin", datetime(2026, 3, 10, 21, 30, tzinfo=UTC),
                 datetime(2026, 3, 11, 7, 0, tzinfo=UTC), id="berlin-evening"),
    # 06:00 in Berlin -> 08:00 the same morning
    pytest.param("Europe/Berlin", datetime(2026, 3, 10, 5, 0, tzinfo=UTC),
                 datetime(2026, 3, 10, 7, 0, tzinfo=UTC), id="berlin-early-morning"),
    # 23:00 UTC is 19:00 in New York (EDT since 8 March): not quiet there
    pytest.param("America/New_York", datetime(2026, 3, 10, 23, 0, tzinfo=UTC), None,
                 id="new-york-evening-is-fine"),
    # an unknown zone counts as UTC
    pytest.param("Mars/Olympus", datetime(2026, 3, 10, 23, 0, tzinfo=UTC),
                 datetime(2026, 3, 11, 8, 0, tzinfo=UTC), id="unknown-zone-utc"),
])
def test_quiet_hours_defer_in_the_customers_time_zone(make_customer, queue, tz, local_now,
                                                      opens_utc) -> None:
    result = queue(make_customer(timezone=tz), "sms", now=local_now)
    message = Message.objects.get(pk=result["message_id"])
    if opens_utc is None:
        assert result["status"] == "queued"
    else:
        assert (result["status"], result["reason"]) == ("deferred", "quiet_hours")
        assert message.next_attempt_at == opens_utc


def test_quiet_hours_deferred_message_is_sent_when_the_window_opens(make_customer, queue,
                                                                     fake_provider) -> None:
    # Given an SMS queued at 22:30 in Berlin
    evening = datetime(2026, 3, 10, 21, 30, tzinfo=UTC)
    result = queue(make_customer(), "sms", now=evening)
    assert result["status"] == "deferred"
    opens = datetime(2026, 3, 11, 7, 0, tzinfo=UTC)
    # When the dispatcher runs during the night, nothing happens
    assert messages_dispatch_due(now=opens - timedelta(minutes=1))["deliver"] == []
    assert fake_provider.requests == []
    # When it runs as the window opens, the message is released and then sent
    assert messages_dispatch_due(now=opens)["deliver"] == [result["message_id"]]
    assert message_send(result["message_id"], now=opens).status == "sent"
    message = Message.objects.get()
    assert (message.status, message.sent_at) == ("sent", opens)
    assert [r.form()["Body"] for r in fake_provider.recorded("messages")] == ["Sorry!"]


def test_a_deferred_message_still_in_quiet_hours_at_send_time_is_deferred_again(
        make_customer, queue) -> None:
    result = queue(make_customer(), "sms")
    night = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    assert message_send(result["message_id"], now=night).status == "deferred"
    assert Message.objects.get().next_attempt_at == datetime(2026, 3, 11, 7, 0, tzinfo=UTC)


def test_same_idempotency_key_returns_the_first_result_and_does_nothing(make_customer,
                                                                         queue) -> None:
    customer = make_customer()
    first = queue(customer, idempotency_key="run:9:a1:0")
    again = queue(customer, idempotency_key="run:9:a1:0", body="different")
    assert again == first
    assert Message.objects.count() == 1


def test_marketing_email_gets_a_signed_unsubscribe_link(make_customer, queue) -> None:
    customer = make_customer()
    queue(customer, options={"format": "text"}, body="Hi")
    body = Message.objects.get().body
    assert body.startswith("Hi\n\n--\nUnsubscribe: https://keepflow.example.com/unsubscribe/")


def test_a_template_reaching_for_python_internals_renders_inert(make_customer) -> None:
    # Given a workflow author's template that tries to reach Python objects
    customer = make_customer()
    source = ("Hi {{ customer.first_name }}{{ customer.__class__ }}{{ customer._meta }}"
              "{{ customer.first_name.__class__.__mro__ }}{{ customer['__init__'] }}")
    body = template_render(source, template_context_for(customer), html=False)
    # When it is queued as a message, then only the data made it
    message_queue(customer=customer, channel="sms", body=body, idempotency_key="k",
                  now=NOW)
    assert Message.objects.get().body == "Hi Ada"


def test_invalid_channel_or_category_is_refused(make_customer) -> None:
    customer = make_customer()
    with pytest.raises(ValueError, match="channel"):
        message_queue(customer=customer, channel="fax", body="x",  # type: ignore[arg-type]
                      idempotency_key="k1", now=NOW)
    with pytest.raises(ValueError, match="category"):
        message_queue(customer=customer, channel="sms", body="x",
                      category="spam",  # type: ignore[arg-type]
                      idempotency_key="k2", now=NOW)


def test_an_erased_customer_gets_nothing(make_customer, queue) -> None:
    customer = customer_erase(make_customer())
    result = queue(customer, category="transactional")
    assert (result["status"], result["reason"]) == ("suppressed", "customer_erased")


def test_transactional_messages_have_their_own_cap_per_hours(make_customer, queue,
                                                              settings) -> None:
    settings.KEEPFLOW_TRANSACTIONAL_CAPS = {"sms": {"count": 3, "hours": 1}}
    customer = make_customer(sms_consent=None)
    # Given three transactional texts within the hour (marketing ones do not count)
    queue(customer, "sms", now=NOW - timedelta(minutes=90))
    for minutes in (50, 20, 1):
        assert queue(customer, "sms", category="transactional",
                     now=NOW - timedelta(minutes=minutes))["status"] == "queued"
    # When a fourth comes, it is suppressed with the reason; e-mail has no such cap here
    result = queue(customer, "sms", category="transactional")
    assert (result["status"], result["reason"]) == ("suppressed", "transactional_cap")
    assert Message.objects.get(pk=result["message_id"]).reason == "transactional_cap"
    assert queue(customer, category="transactional")["status"] == "queued"
    # and an hour after the first there is room again
    later = queue(customer, "sms", category="transactional",
                  now=NOW + timedelta(minutes=11))
    assert later["status"] == "queued"
