"""E-mail through SendGrid's v3 mail/send with the official `sendgrid` SDK.

Every e-mail carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 one-click);
the message id travels as a custom arg so Event Webhook posts find their message.
SENDGRID_API_HOST points the SDK elsewhere (the tests' fake server).
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
from typing import TYPE_CHECKING

from django.conf import settings
from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import (
    Category,
    CustomArg,
    Header,
    HtmlContent,
    Mail,
    PlainTextContent,
    ReplyTo,
)

from apps.messaging.links import unsubscribe_url
from apps.messaging.providers import LookupResult, SendResult, status_is_retryable

if TYPE_CHECKING:
    from apps.messaging.models import Message

MESSAGE_ID_ARG = "keepflow_message_id"


def mail_build(message: Message) -> Mail:
    options = message.options or {}
    from_name = options.get("from_name") or settings.SENDGRID_FROM_NAME or None
    html = options.get("format", "html") == "html"
    mail = Mail(
        from_email=(settings.SENDGRID_FROM_EMAIL, from_name) if from_name
        else settings.SENDGRID_FROM_EMAIL,
        to_emails=message.to,
        subject=message.subject,
    )
    mail.add_content(HtmlContent(message.body) if html else PlainTextContent(message.body))
    if options.get("reply_to"):
        mail.reply_to = ReplyTo(options["reply_to"])
    link = unsubscribe_url(message.customer_id)
    mail.add_header(Header("List-Unsubscribe", f"<{link}>"))
    mail.add_header(Header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    mail.add_category(Category(message.category))
    mail.add_custom_arg(CustomArg(MESSAGE_ID_ARG, str(message.pk)))
    return mail


def _error_text(err: HTTPError) -> str:
    body = err.body.decode("utf-8", "replace") if isinstance(err.body, bytes) else str(err.body)
    try:
        errors = json.loads(body).get("errors") or []
        text = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
    except (ValueError, AttributeError):
        text = ""
    return f"SendGrid {err.status_code}: {text or body[:500] or err.reason}"


def _retry_after(err: HTTPError) -> float | None:
    value = err.headers.get("Retry-After") if err.headers else None
    try:
        return float(value) if value else None
    except ValueError:
        return None


class SendGridProvider:
    name = "sendgrid"
    remote = True

    def send(self, message: Message) -> SendResult:
        client = SendGridAPIClient(api_key=settings.SENDGRID_API_KEY,
                                   host=settings.SENDGRID_API_HOST)
        try:
            response = client.client.mail.send.post(
                request_body=mail_build(message).get(),
                timeout=settings.KEEPFLOW_PROVIDER_TIMEOUT_SECONDS,
            )
        except HTTPError as err:
            outcome = "retry" if status_is_retryable(err.status_code) else "failed"
            return SendResult(outcome, error=_error_text(err), retry_after=_retry_after(err))
        except urllib.error.URLError as err:
            # Refused or unresolvable: the request never left, so sending again is safe.
            if isinstance(err.reason, ConnectionRefusedError | socket.gaierror):
                return SendResult("retry", error=f"SendGrid unreachable: {err.reason}")
            return SendResult("unknown", error=f"SendGrid: {err.reason}")
        except (TimeoutError, http.client.HTTPException, ConnectionError) as err:
            return SendResult("unknown", error=f"SendGrid: no answer ({err!r})")
        message_id = response.headers.get("X-Message-Id", "") if response.headers else ""
        return SendResult("sent", provider_message_id=message_id)

    def lookup(self, message: Message) -> LookupResult:
        # Searching sent mail needs SendGrid's paid Email Activity API; the Event Webhook
        # (processed / delivered, carrying our message id) settles it instead, or an operator.
        return LookupResult(found=None, detail="SendGrid cannot be asked; waiting for its "
                            "Event Webhook, or an operator")
