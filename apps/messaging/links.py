"""Signed links and callback URLs that messages carry (django.core.signing)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

UNSUBSCRIBE_SALT = "keepflow.messaging.unsubscribe"


def public_url(path: str) -> str:
    return settings.KEEPFLOW_PUBLIC_URL.rstrip("/") + path


def unsubscribe_token(customer_id: int) -> str:
    """No timestamp, no expiry: RFC 8058 wants the link to keep working as long as the mail
    may be read, and the same customer always gets the same link (body and header agree)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"c": customer_id})


def unsubscribe_customer_id(token: str) -> int | None:
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    customer_id = data.get("c") if isinstance(data, dict) else None
    return customer_id if isinstance(customer_id, int) else None


def unsubscribe_url(customer_id: int) -> str:
    return public_url(reverse("messaging-unsubscribe", args=[unsubscribe_token(customer_id)]))


def twilio_status_callback_url(message_id: int) -> str:
    return public_url(reverse("messaging-twilio-status") + f"?message={message_id}")


def twilio_call_status_url(message_id: int) -> str:
    return public_url(reverse("messaging-twilio-call-status") + f"?message={message_id}")


def twilio_call_gather_url(message_id: int) -> str:
    return public_url(reverse("messaging-twilio-call-gather") + f"?message={message_id}")


def unsubscribe_footer(url: str, *, html: bool) -> str:
    if html:
        return (f'<p style="font-size:12px;color:#666">Don\'t want these e-mails? '
                f'<a href="{url}">Unsubscribe</a>.</p>')
    return f"\n\n--\nUnsubscribe: {url}\n"
