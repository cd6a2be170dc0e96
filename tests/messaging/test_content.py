"""Rendered content is bounded per channel and header fields stay one line (issue 24,
finding 5), through the real Twilio and SendGrid SDKs against the fake provider."""

import pytest

from apps.messaging.models import Message
from apps.messaging.services import message_send
from tests.messaging.conftest import NOW

pytestmark = pytest.mark.django_db


def test_a_225000_character_sms_fails_with_the_reason_and_is_never_sent(
        make_customer, queue, fake_provider) -> None:
    # Given customer data that blew a short template up to 225,000 characters
    result = queue(make_customer(), "sms", body="Sorry " + "x" * 224_994)

    # then the message is recorded as failed, with why, and nothing reaches Twilio
    assert result["status"] == "failed"
    assert result["error"] == ("the text is 1471 SMS segments long (225000 characters, "
                               "GSM-7); the limit is 10 segments")
    assert message_send(result["message_id"], now=NOW).status == "failed"
    assert fake_provider.recorded("messages") == []
    message = Message.objects.get()
    assert (message.status, message.sent_at, message.failed_at) == ("failed", None, NOW)
    assert len(message.body) == 2_000


@pytest.mark.parametrize(("body", "status"), [
    pytest.param("a" * 1530, "sent", id="gsm-10-segments"),
    pytest.param("a" * 1531, "failed", id="gsm-11-segments"),
    pytest.param("ü€" + "a" * 1527, "sent", id="gsm-extension-10-segments"),
    pytest.param("ą" * 670, "sent", id="ucs2-10-segments"),
    pytest.param("ą" * 671, "failed", id="ucs2-11-segments"),
])
def test_the_sms_limit_counts_segments_as_carriers_do(make_customer, queue, fake_provider,
                                                      body, status) -> None:
    result = queue(make_customer(), "sms", body=body)

    assert message_send(result["message_id"], now=NOW).status == status
    assert len(fake_provider.recorded("messages")) == (status == "sent")


@pytest.mark.parametrize(("subject", "body", "error"), [
    pytest.param("s" * 256, "Hi", "the subject is 256 characters long; the limit is 255",
                 id="subject"),
    pytest.param("Hi", "b" * 262_145,
                 "the body is 262145 bytes long; the limit is 262144 bytes", id="body"),
])
def test_an_oversized_email_fails_with_the_reason(make_customer, queue, fake_provider,
                                                 subject, body, error) -> None:
    result = queue(make_customer(), subject=subject, body=body, category="transactional")

    assert (result["status"], result["error"]) == ("failed", error)
    assert message_send(result["message_id"], now=NOW).status == "failed"
    assert fake_provider.recorded("sendgrid") == []


@pytest.mark.parametrize(("subject", "sent"), [
    pytest.param("Hi\nBcc: thief@evil.example", "Hi Bcc: thief@evil.example", id="line-feed"),
    pytest.param("Hi\r\n\r\nBcc: thief@evil.example\u2028X-Spam:\t\x00no\x1b",
                 "Hi Bcc: thief@evil.example X-Spam:no", id="controls"),
])
def test_line_breaks_from_customer_data_never_reach_email_headers(
        make_customer, queue, fake_provider, subject, sent) -> None:
    # Given a subject, sender name and address rendered from hostile customer data
    customer = make_customer(email="ada@example.com\r\n")
    result = queue(customer, subject=subject,
                   options={"from_name": "Shop\r\nBcc: thief@evil.example\x07"})

    assert message_send(result["message_id"], now=NOW).status == "sent"

    # then every header value is one line, without control characters
    [request] = fake_provider.recorded("sendgrid")
    mail = request.json()
    assert mail["subject"] == sent
    assert mail["from"] == {"email": "care@shop.example", "name": "Shop Bcc: thief@evil.example"}
    assert mail["personalizations"][0]["to"] == [{"email": "ada@example.com"}]
    message = Message.objects.get()
    assert (message.subject, message.to) == (sent, "ada@example.com")
