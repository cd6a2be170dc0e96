"""SMS and outbound calls (action.call) through Twilio's Messages and Calls APIs with the official
`twilio` SDK.

Creating a Twilio message is not idempotent: when the connection drops after the request
went out, the message may exist. That send's outcome is "unknown" and the message goes to
reconcile, where `lookup` searches the account's recent messages to the same number
for the same text. TWILIO_API_BASE_URL points the SDK elsewhere (the tests' fake server).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from apps.messaging.calls import call_twiml
from apps.messaging.links import (
    twilio_call_gather_url,
    twilio_call_status_url,
    twilio_status_callback_url,
)
from apps.messaging.providers import LookupResult, SendResult, status_is_retryable

if TYPE_CHECKING:
    from apps.messaging.models import Message

LOOKUP_LIMIT = 50
# The SDK logs every request and its headers at INFO; warnings and errors are enough.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def twilio_client() -> Client:
    client = Client(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
        http_client=TwilioHttpClient(timeout=settings.KEEPFLOW_PROVIDER_TIMEOUT_SECONDS),
    )
    # The SDK's API domain object carries its base URL; region and edge stay unset.
    client.api.base_url = settings.TWILIO_API_BASE_URL.rstrip("/")
    return client


def _never_sent(err: requests.ConnectionError) -> bool:
    """Connection refused / not resolvable / connect timeout: the request never left."""
    if isinstance(err, requests.ConnectTimeout):
        return True
    cause = err.args[0] if err.args else None
    reason = getattr(cause, "reason", None)
    return isinstance(reason, NewConnectionError) or isinstance(cause, NewConnectionError)


class TwilioProvider:
    name = "twilio"
    remote = True

    def send(self, message: Message) -> SendResult:
        try:
            if message.channel == "call":
                created = _call_place(message)
            else:
                created = twilio_client().messages.create(
                    to=message.to, from_=settings.TWILIO_FROM_NUMBER, body=message.body,
                    status_callback=twilio_status_callback_url(message.pk),
                )
        except TwilioRestException as err:
            outcome = "retry" if status_is_retryable(err.status) else "failed"
            code = f" (code {err.code})" if err.code else ""
            return SendResult(outcome, error=f"Twilio {err.status}{code}: {err.msg}")
        except requests.ConnectionError as err:
            if _never_sent(err):
                return SendResult("retry", error=f"Twilio unreachable: {err}")
            return SendResult("unknown", error=f"Twilio: connection lost ({err})")
        except requests.Timeout as err:
            return SendResult("unknown", error=f"Twilio: no answer in time ({err})")
        return SendResult("sent", provider_message_id=created.sid or "")

    def lookup(self, message: Message) -> LookupResult:
        if message.channel == "call":  # a call cannot be matched by its text
            return LookupResult(found=None, detail="look for the call in Twilio's call "
                                "log; an operator may resend or fail it")
        return self._message_lookup(message)

    def _message_lookup(self, message: Message) -> LookupResult:
        """The account's messages to this number from this sender since the send began
        (Messages list filtered by To and From), matched by text."""
        since = (message.sending_at or message.created_at) - timedelta(minutes=5)
        try:
            candidates = twilio_client().messages.list(
                to=message.to, from_=settings.TWILIO_FROM_NUMBER, limit=LOOKUP_LIMIT
            )
        except (TwilioRestException, requests.RequestException) as err:
            return LookupResult(found=None, detail=f"Twilio lookup failed: {err}")
        for candidate in candidates:
            created = candidate.date_created
            if candidate.body == message.body and (created is None or created >= since):
                return LookupResult(found=True, provider_message_id=candidate.sid or "")
        return LookupResult(found=False, detail="Twilio has no such message: it was not "
                            "sent; an operator may resend it")


def call_create(*, to: str, twiml: str) -> str:
    """Start an outbound call that plays/says `twiml`; returns the call's sid."""
    call = twilio_client().calls.create(to=to, from_=settings.TWILIO_FROM_NUMBER, twiml=twiml)
    return call.sid or ""


def _call_place(message: Message) -> Any:
    """Calls.create with the call's TwiML inline, answering-machine detection (AnsweredBy
    tells a voicemail from a person) and the status callback for its final outcome."""
    return twilio_client().calls.create(
        to=message.to, from_=settings.TWILIO_FROM_NUMBER,
        twiml=call_twiml(message, gather_url=twilio_call_gather_url(message.pk)),
        status_callback=twilio_call_status_url(message.pk), status_callback_method="POST",
        status_callback_event=["completed"], machine_detection="Enable",
    )
