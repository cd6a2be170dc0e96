"""Fixtures for messaging: customers with consent, a driven clock, the fake provider
server with the real SDKs pointed at it, and signers for the providers' webhooks."""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from twilio.request_validator import RequestValidator

from apps.customers.models import Customer
from apps.customers.services import consent_entry
from apps.messaging.services import message_queue
from tests.messaging.fake_provider import FakeProvider

# Tuesday 10 March 2026, 12:00 UTC: 13:00 in Berlin, outside quiet hours (21:00-08:00).
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "test-auth-token"
PUBLIC_URL = "https://keepflow.example.com"


@pytest.fixture(autouse=True)
def messaging_settings(settings) -> Any:
    settings.KEEPFLOW_EMAIL_PROVIDER = "console"
    settings.KEEPFLOW_SMS_PROVIDER = "console"
    settings.KEEPFLOW_PUBLIC_URL = PUBLIC_URL
    settings.KEEPFLOW_FREQUENCY_CAPS = {"email": {"count": 3, "days": 7},
                                        "sms": {"count": 3, "days": 7}}
    settings.KEEPFLOW_QUIET_HOURS = "21:00-08:00"
    settings.KEEPFLOW_STALE_CONSENT_DAYS = 730
    settings.KEEPFLOW_MESSAGE_RETRY_BASE_SECONDS = 0.05
    settings.KEEPFLOW_MESSAGE_MAX_ATTEMPTS = 3
    settings.KEEPFLOW_PROVIDER_TIMEOUT_SECONDS = 5.0
    settings.TWILIO_ACCOUNT_SID = TWILIO_SID
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.SENDGRID_API_KEY = "SG.test-key"
    settings.SENDGRID_FROM_EMAIL = "care@shop.example"
    return settings


_ids = itertools.count(1)


@pytest.fixture
def make_customer(db) -> Callable[..., Customer]:
    """A customer in Berlin with e-mail and SMS opt-ins given a month before NOW."""

    def make(*, email_consent: str | None = "granted", sms_consent: str | None = "granted",
             consent_at: datetime | None = None, **fields: Any) -> Customer:
        at = consent_at or NOW - timedelta(days=30)
        consent = {}
        if email_consent:
            consent["email"] = consent_entry(email_consent, "web_form", at)
        if sms_consent:
            consent["sms"] = consent_entry(sms_consent, "web_form", at)
        n = next(_ids)
        values = {"external_id": f"cust-{n}", "email": f"ada{n}@example.com",
                  "phone": f"+49151000{n:05d}", "first_name": "Ada",
                  "timezone": "Europe/Berlin", "consent": consent, **fields}
        return Customer.objects.create(**values)

    return make


@pytest.fixture
def queue() -> Callable[..., dict[str, Any]]:
    """message_queue with test defaults (a fresh idempotency key, NOW)."""
    keys = itertools.count(1)

    def send(customer: Customer, channel: str = "email", **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = {
            "body": "Sorry about your last order." if channel == "email" else "Sorry!",
            "subject": "We are sorry" if channel == "email" else "",
            "idempotency_key": f"run:1:a1:{next(keys)}-{customer.pk}-{channel}",
            "now": NOW, "run_id": 1, "workflow_id": 7, "node_id": "a1",
        }
        params.update(kwargs)
        return message_queue(customer=customer, channel=channel, **params)

    return send


@pytest.fixture
def fake_provider(settings) -> Iterator[FakeProvider]:
    """The fake server, with SendGrid and Twilio selected and their SDKs pointed at it."""
    fake = FakeProvider().start()
    settings.SENDGRID_API_HOST = fake.url
    settings.TWILIO_API_BASE_URL = fake.url
    settings.KEEPFLOW_EMAIL_PROVIDER = "sendgrid"
    settings.KEEPFLOW_SMS_PROVIDER = "twilio"
    yield fake
    fake.stop()


def twilio_signature(url: str, params: dict[str, str], token: str = TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


class SendGridSigner:
    """Signs Event Webhook bodies as SendGrid does (ECDSA P-256, SHA-256 over timestamp +
    payload); its public key goes to SENDGRID_WEBHOOK_PUBLIC_KEY."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.public_key = base64.b64encode(der).decode()

    def headers(self, payload: str, timestamp: str | None = None) -> dict[str, str]:
        """Signed now unless told when (SendGrid's timestamps are checked for age)."""
        timestamp = timestamp or str(int(time.time()))
        signature = self.key.sign((timestamp + payload).encode(), ec.ECDSA(hashes.SHA256()))
        return {"HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": base64.b64encode(signature).decode(),
                "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": timestamp}


@pytest.fixture
def sendgrid_signer(settings) -> SendGridSigner:
    signer = SendGridSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    return signer
