"""Public endpoints providers and recipients reach: the unsubscribe link (page and RFC 8058
one-click POST), Twilio's inbound SMS, message and call status callbacks and call menu
key presses, SendGrid's Event Webhook.

Every provider callback is signature-checked before anything is read from it; a bad
signature is a 403 and changes nothing.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import ParseError, ValidationError
from sendgrid.helpers.eventwebhook import EventWebhook
from twilio.request_validator import RequestValidator

from apps.common.parsers import json_loads
from apps.customers.language import customer_language
from apps.customers.models import ConsentStatus, Customer
from apps.messaging import services
from apps.messaging.calls import call_outcome
from apps.messaging.links import public_url, unsubscribe_customer_id
from apps.messaging.models import Message
from apps.messaging.providers.sendgrid_email import MESSAGE_ID_ARG

log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
SENDGRID_SIGNATURE = "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE"
SENDGRID_TIMESTAMP = "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP"


# --- unsubscribe -------------------------------------------------------------------------


@csrf_exempt  # one-click POSTs come from mail clients; the signed token is the credential
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirm button (link scanners must not unsubscribe anyone); POST, from
    that button or a mail client's List-Unsubscribe-Post one-click, revokes e-mail consent."""
    customer_id = unsubscribe_customer_id(token)
    customer = Customer.objects.filter(pk=customer_id, erased_at__isnull=True).first() if (
        customer_id is not None) else None
    if customer is None:
        return _unsubscribe_page(request, None, "invalid", status=404)
    if request.method == "POST":
        services.customer_consent_set(customer, "email", ConsentStatus.DENIED,
                                      source="unsubscribe")
        return _unsubscribe_page(request, customer.locale, "done")
    return _unsubscribe_page(request, customer.locale, "confirm")


def _unsubscribe_page(request: HttpRequest, locale: str | None, state: str, *,
                      status: int = 200) -> HttpResponse:
    """In the customer's language (None, for a link that names no one: the browser's)."""
    language = customer_language(locale)
    with translation.override(language):
        response = render(request, "messaging/unsubscribe.html",
                          {"state": state, "lang": language}, status=status)
    response["Content-Language"] = language
    return response


# --- Twilio ------------------------------------------------------------------------------


def _twilio_signed(request: HttpRequest) -> bool:
    """X-Twilio-Signature over the URL Twilio called (KEEPFLOW_PUBLIC_URL + path) and the
    form parameters, keyed with the auth token."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not settings.TWILIO_AUTH_TOKEN or not signature:
        return False
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return validator.validate(public_url(request.get_full_path()), request.POST, signature)


def _twiml(body: str = EMPTY_TWIML) -> HttpResponse:
    return HttpResponse(body, content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """Inbound SMS: STOP / START keywords deny or grant SMS consent (Twilio answers the
    keyword itself), and every text becomes an sms.received event."""
    if not _twilio_signed(request):
        return HttpResponseForbidden("bad signature")
    sender, body = request.POST.get("From", ""), request.POST.get("Body", "")
    keyword = services.sms_keyword_apply(from_number=sender, body=body)
    services.sms_received_record(from_number=sender, body=body,
                                 sid=request.POST.get("MessageSid", ""), keyword=keyword)
    return _twiml()


TWILIO_STATUS_KINDS = {"queued": "sent", "accepted": "sent", "sending": "sent",
                       "sent": "sent", "delivered": "delivered", "read": "delivered",
                       "undelivered": "failed", "failed": "failed"}


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Message status callback (the URL carries our message id)."""
    if not _twilio_signed(request):
        return HttpResponseForbidden("bad signature")
    sid = request.POST.get("MessageSid", "")
    status = request.POST.get("MessageStatus", "")
    kind = TWILIO_STATUS_KINDS.get(status)
    message = _twilio_message(request.GET.get("message", ""), sid)
    if kind is None or message is None:
        return _twiml()
    detail: dict[str, Any] = {"provider_status": status}
    if kind == "failed":
        code = request.POST.get("ErrorCode", "")
        detail["error"] = f"Twilio {status}" + (f" (error {code})" if code else "")
    services.message_delivery_update(message, kind, event_key=f"twilio:{sid}:{status}",
                                     provider_message_id=sid, detail=detail)
    return _twiml()


def _twilio_message(message_id: str, sid: str) -> Message | None:
    if message_id.isdigit():
        message = Message.objects.filter(pk=int(message_id), channel="sms").first()
        if message is not None and message.provider_message_id in ("", sid):
            return message
    return Message.objects.filter(provider_message_id=sid, channel="sms").first() if sid else None


@csrf_exempt
@require_POST
def twilio_call_status(request: HttpRequest) -> HttpResponse:
    """A call's status callback (the URL carries our call id): its final status becomes
    the call.completed event action.call waits for."""
    if not _twilio_signed(request):
        return HttpResponseForbidden("bad signature")
    sid = request.POST.get("CallSid", "")
    outcome = call_outcome(request.POST.get("CallStatus", ""),
                           request.POST.get("AnsweredBy", ""))
    message = _twilio_call(request.GET.get("message", ""), sid)
    if outcome is None or message is None:
        return _twiml()
    duration = request.POST.get("CallDuration", "")
    services.call_outcome_record(message, outcome, sid=sid,
                                 duration=int(duration) if duration.isdigit() else 0,
                                 answered_by=request.POST.get("AnsweredBy", ""))
    return _twiml()


@csrf_exempt
@require_POST
def twilio_call_gather(request: HttpRequest) -> HttpResponse:
    """The key the customer pressed in a call's menu (<Gather numDigits=1>)."""
    if not _twilio_signed(request):
        return HttpResponseForbidden("bad signature")
    sid, digit = request.POST.get("CallSid", ""), request.POST.get("Digits", "")[:1]
    message = _twilio_call(request.GET.get("message", ""), sid)
    if message is not None and digit and (digit.isdigit() or digit in "*#"):
        services.call_key_pressed_record(message, digit, sid=sid)
    return _twiml()  # nothing more to say: the call ends


def _twilio_call(message_id: str, sid: str) -> Message | None:
    calls = Message.objects.select_related("customer").filter(channel="call")
    if message_id.isdigit():
        message = calls.filter(pk=int(message_id)).first()
        if message is not None and message.provider_message_id in ("", sid):
            return message
    return calls.filter(provider_message_id=sid).first() if sid else None


# --- SendGrid ----------------------------------------------------------------------------


def _sendgrid_signed(request: HttpRequest, payload: str) -> bool:
    """A valid signature over a timestamp close to now (SENDGRID_WEBHOOK_MAX_AGE_SECONDS):
    the signature alone would let a captured request be replayed for ever."""
    signature = request.META.get(SENDGRID_SIGNATURE, "")
    timestamp = request.META.get(SENDGRID_TIMESTAMP, "")
    if not (settings.SENDGRID_WEBHOOK_PUBLIC_KEY and signature and _sendgrid_recent(timestamp)):
        return False
    try:
        webhook = EventWebhook(settings.SENDGRID_WEBHOOK_PUBLIC_KEY)
        return bool(webhook.verify_signature(payload, signature, timestamp))
    except ValueError:  # a malformed key or signature (base64, DER)
        return False


def _sendgrid_recent(timestamp: str) -> bool:
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(time.time() - int(timestamp)) <= settings.SENDGRID_WEBHOOK_MAX_AGE_SECONDS


SENDGRID_KINDS = {"processed": "sent", "delivered": "delivered", "open": "opened",
                  "click": "clicked", "bounce": "bounced", "dropped": "failed"}


@csrf_exempt
@require_POST
def sendgrid_events(request: HttpRequest) -> HttpResponse:
    """SendGrid Event Webhook: a signed JSON array of events."""
    try:
        payload = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return HttpResponseForbidden("bad signature")
    if not _sendgrid_signed(request, payload):
        return HttpResponseForbidden("bad signature")
    try:
        events = json_loads(payload)
    except (ParseError, ValidationError):  # not JSON, or text or numbers not storable
        return HttpResponse("not JSON that can be stored", status=400)
    if not isinstance(events, list):
        return HttpResponse("expected a JSON array", status=400)
    for event in events:
        if isinstance(event, dict):
            _sendgrid_event(event)
    return HttpResponse(status=200)


def _sendgrid_event(event: dict[str, Any]) -> None:
    name = str(event.get("event", ""))
    email = str(event.get("email", ""))
    if name == "spamreport" or (name == "bounce" and event.get("type") != "blocked"):
        services.suppression_add("email", email, "spamreport" if name == "spamreport"
                                 else "bounce")
    message = _sendgrid_message(event)
    if name in ("spamreport", "unsubscribe", "group_unsubscribe") and message is not None:
        services.customer_consent_set(message.customer, "email", ConsentStatus.DENIED,
                                      source=f"sendgrid_{name}")
    kind = SENDGRID_KINDS.get(name)
    if kind is None or message is None:
        return
    occurred_at = None
    if isinstance(event.get("timestamp"), int | float):
        occurred_at = datetime.fromtimestamp(event["timestamp"], tz=UTC)
    detail: dict[str, Any] = {"provider_status": name}
    if name == "click" and event.get("url"):
        detail["url"] = str(event["url"])[:2000]
    if kind in ("bounced", "failed"):
        detail["error"] = f"SendGrid {name}: {event.get('reason') or event.get('type') or ''}"
    key = event.get("sg_event_id") or f"{message.pk}:{name}:{event.get('timestamp')}"
    provider_id = str(event.get("sg_message_id") or "").split(".")[0]
    services.message_delivery_update(message, kind, event_key=f"sendgrid:{key}",
                                     provider_message_id=provider_id, detail=detail,
                                     occurred_at=occurred_at)


def _sendgrid_message(event: dict[str, Any]) -> Message | None:
    message_id = str(event.get(MESSAGE_ID_ARG, ""))
    if message_id.isdigit():
        return Message.objects.select_related("customer").filter(
            pk=int(message_id), channel="email").first()
    provider_id = str(event.get("sg_message_id") or "").split(".")[0]
    if provider_id:
        return Message.objects.select_related("customer").filter(
            provider_message_id=provider_id, channel="email").first()
    return None
