"""Automated outbound calls (action.call): when a call may be placed, what Twilio says and
plays on it (TwiML), and what its status callback means.

A call is a message on the `call` channel: the same outbox row, idempotency key,
consent (`call`), caps and quiet hours. On top of those it waits for its task queue's
business hours, so an agent is at work when the customer picks up. The row's `body` is
the text said; `options` holds the mode (bridge / message), the agent number, the menu
prompt and the queue.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from twilio.twiml.voice_response import Gather, VoiceResponse

from apps.messaging.guardrails import SEND, Verdict, quiet_until
from apps.messaging.models import Reason

if TYPE_CHECKING:
    from apps.customers.models import Customer
    from apps.messaging.models import Message

# The outcomes of a placed call, each a port of action.call and the `status` of its
# call.completed event; NOT_CALLED when the guardrails stopped it before it was placed.
CALL_OUTCOMES = ("answered", "no_answer", "busy", "failed", "voicemail")
NOT_CALLED = "not_called"
# Twilio's final CallStatus values (the others, initiated/ringing/in-progress, are steps).
_FINAL_STATUS = {"busy": "busy", "no-answer": "no_answer", "failed": "failed",
                 "canceled": "failed"}
# <Say> voices by the customer's language (Twilio's language codes).
SAY_LANGUAGES = {"en": "en-US", "de": "de-DE", "ru": "ru-RU", "fr": "fr-FR", "es": "es-ES",
                 "it": "it-IT", "nl": "nl-NL", "pl": "pl-PL", "pt": "pt-PT"}
MAX_WINDOW_STEPS = 30  # business hours and quiet hours that never overlap: stop looking


def call_window_start(customer: Customer, queue: str, now: datetime) -> datetime:
    """The first moment from `now` inside the queue's business hours that is not quiet
    hours where the customer lives."""
    from apps.tasks.business_hours import queue_rules_for

    hours = queue_rules_for(queue).hours
    moment = now
    for _ in range(MAX_WINDOW_STEPS):
        moment = hours.next_opening(moment)
        quiet_end = quiet_until(customer, moment)
        if quiet_end is None:
            break
        moment = quiet_end
    return moment.astimezone(UTC)


def call_verdict(verdict: Verdict, customer: Customer, options: dict[str, Any],
                 now: datetime) -> Verdict:
    """The guardrails' verdict for a call, held back to its calling window as well."""
    if verdict.action == "suppress":
        return verdict
    start = call_window_start(customer, str(options.get("queue") or ""), now)
    if start <= now:
        return SEND
    reason = Reason.QUIET_HOURS if quiet_until(customer, now) else Reason.BUSINESS_HOURS
    return Verdict("defer", reason, start)


def say_language(locale: str | None) -> str:
    base = (locale or "").strip().replace("_", "-").split("-")[0].lower()
    return SAY_LANGUAGES.get(base, "en-US")


def call_twiml(message: Message, *, gather_url: str) -> str:
    """What the call does once answered: say the text, then bridge to the agent number
    (<Dial>), or offer a one-key menu (<Gather numDigits=1>) whose key press Twilio posts
    to `gather_url`."""
    options = message.options or {}
    language = say_language(message.customer.locale)
    response = VoiceResponse()
    menu = str(options.get("menu") or "")
    if options.get("mode") == "bridge":
        if message.body:
            response.say(message.body, language=language)
        response.dial(str(options.get("agent_number") or ""))
    elif menu:
        gather = Gather(num_digits=1, action=gather_url, method="POST", timeout=6)
        if message.body:
            gather.say(message.body, language=language)
        gather.say(menu, language=language)
        response.append(gather)
    else:
        response.say(message.body, language=language)
    return str(response)


def call_outcome(call_status: str, answered_by: str = "") -> str | None:
    """A final CallStatus (with AnsweredBy from machine detection) as an outcome, or None
    for an intermediate one."""
    if call_status == "completed":
        machine = answered_by.startswith("machine") or answered_by == "fax"
        return "voicemail" if machine else "answered"
    return _FINAL_STATUS.get(call_status)
