"""Providers send one message and say what happened, in four words:

- sent: the provider accepted it (with its message id);
- retry: it did not take it, try again later (429, 5xx, connection refused);
- failed: it refused it for good (4xx: bad number, unverified sender, ...);
- unknown: the request may have reached it but no answer came back (dropped connection,
  read timeout). Resending could send twice, so the message goes to reconcile.

One module per provider; `provider_for(channel)` picks the configured one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from apps.messaging.models import Message

Outcome = Literal["sent", "retry", "failed", "unknown"]


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_message_id: str = ""
    error: str = ""
    retry_after: float | None = None  # seconds, when the provider said (Retry-After)


@dataclass(frozen=True)
class LookupResult:
    """What the provider knows of a message whose send outcome was unknown."""

    found: bool | None  # None: this provider cannot be asked
    provider_message_id: str = ""
    detail: str = ""


class Provider(Protocol):
    name: str
    remote: bool  # calls another service over the network (worth calling concurrently)

    def send(self, message: Message) -> SendResult: ...

    def lookup(self, message: Message) -> LookupResult: ...


PROVIDERS = {
    "console": "apps.messaging.providers.console.ConsoleProvider",
    "sendgrid": "apps.messaging.providers.sendgrid_email.SendGridProvider",
    "twilio": "apps.messaging.providers.twilio_sms.TwilioProvider",
}


def provider_for(channel: str) -> Provider:
    name = {"email": settings.KEEPFLOW_EMAIL_PROVIDER,
            "call": settings.KEEPFLOW_CALL_PROVIDER}.get(channel, settings.KEEPFLOW_SMS_PROVIDER)
    return provider_named(name)


def provider_named(name: str) -> Provider:
    if name not in PROVIDERS:
        raise ValueError(f"unknown messaging provider {name!r}; use one of {sorted(PROVIDERS)}")
    return import_string(PROVIDERS[name])()


def status_is_retryable(status: int) -> bool:
    return status == 429 or status >= 500
