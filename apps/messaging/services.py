"""Writes for messaging: queue (the engine's entry point), send, retry, reconcile, and
what delivery webhooks, unsubscribe links and SMS keywords change.

The outbox: `message_queue` only writes a row inside the caller's transaction and asks
for delivery after commit. `message_send` commits `sending` before it calls the provider,
so a worker that dies mid-call leaves a row the dispatcher moves to reconcile instead of
sending it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from apps.common.bulk import rows_update
from apps.common.locks import advisory_xact_locks
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import ConsentStatus, Customer, EventSource
from apps.customers.services import customer_upsert
from apps.messaging.calls import NOT_CALLED, call_verdict
from apps.messaging.content import FAILED_BODY_KEEP, content_error, header_clean
from apps.messaging.guardrails import (
    GuardrailFacts,
    address_normalize,
    customer_address,
    guardrails_check,
)
from apps.messaging.links import unsubscribe_footer, unsubscribe_url
from apps.messaging.models import (
    Message,
    MessageCategory,
    MessageChannel,
    MessageStatus,
    Suppression,
)
from apps.messaging.providers import Provider, SendResult, provider_for, provider_named
from apps.messaging.providers.pool import providers_send

S = MessageStatus
DISPATCH_GRACE = timedelta(seconds=60)
DISPATCH_LEASE = timedelta(minutes=5)


class MessagingError(Exception):
    """A request messaging cannot honour (e.g. resend a message that is not in reconcile)."""


def message_result(message: Message) -> dict[str, Any]:
    result = {"message_id": message.pk, "status": str(message.status),
              "reason": str(message.reason) if message.reason else None}
    if message.status == S.FAILED:
        result["error"] = message.error
    if message.channel == MessageChannel.CALL:  # when it will be placed (action.call waits)
        at = message.next_attempt_at if message.status == S.DEFERRED else message.created_at
        result["scheduled_at"] = at.isoformat() if at else None
    return result


def message_queue(
    *, customer: Customer, channel: Literal["email", "sms", "call"], body: str,
    subject: str = "",
    category: Literal["transactional", "marketing"] = "marketing",
    options: Mapping[str, Any] | None = None, idempotency_key: str,
    run_id: int | None = None, workflow_id: int | None = None, node_id: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record a message and, unless a guardrail stops or delays it, deliver it after commit.
    A repeated idempotency key returns the first call's result and does nothing else."""
    message_validate(channel, category)
    now = now or timezone.now()
    # No savepoint: this runs inside the engine's step transaction, and the per-customer
    # lock below makes both the idempotency check and the cap check race-free.
    with transaction.atomic(savepoint=False):
        advisory_xact_locks("messages-customer", [(customer.pk,)])
        existing = Message.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return message_result(existing)
        # Fresh from the database: the caller's copy may predate a STOP or an unsubscribe.
        customer = Customer.objects.get(pk=customer.pk)
        message = message_build(
            customer=customer, channel=channel, category=category, subject=subject,
            body=body, options=options, idempotency_key=idempotency_key, run_id=run_id,
            workflow_id=workflow_id, node_id=node_id, now=now)
        message.save(force_insert=True)
    if message.status == S.QUEUED:
        message_id = message.pk
        transaction.on_commit(lambda: enqueue_delivery([message_id]), robust=True)
    return message_result(message)


# Options that become mail headers (the subject and the address are cleaned too).
_HEADER_OPTIONS = frozenset({"from_name", "reply_to"})
_CHANNELS = tuple(MessageChannel.values)  # `.values` builds a new list on every read
_CATEGORIES = tuple(MessageCategory.values)


def message_validate(channel: str, category: str) -> None:
    if channel not in _CHANNELS:
        raise ValueError(f"channel: {channel!r} is not one of {list(_CHANNELS)}")
    if category not in _CATEGORIES:
        raise ValueError(f"category: {category!r} is not one of {list(_CATEGORIES)}")


def message_build(*, customer: Customer, channel: str, category: str, subject: str, body: str,
                  options: Mapping[str, Any] | None, idempotency_key: str,
                  run_id: int | None, workflow_id: int | None, node_id: str, now: datetime,
                  facts: GuardrailFacts | None = None) -> Message:
    """The message row (not saved) with the guardrails' verdict applied: queued,
    suppressed or deferred; failed when the rendered content is over its channel's size
    limit. Header fields lose line breaks and control characters first."""
    address = header_clean(customer_address(customer, channel))
    subject = header_clean(subject)
    options = {name: header_clean(value) if name in _HEADER_OPTIONS and isinstance(value, str)
               else value for name, value in (options or {}).items()}
    if channel == "email" and category == MessageCategory.MARKETING:
        body += unsubscribe_footer(unsubscribe_url(customer.pk),
                                   html=options.get("format", "html") == "html")
    too_large = content_error(channel, subject=subject, body=body)
    message = Message(
        customer=customer, channel=channel, category=category, to=address,
        subject=subject, body=body, options=options, idempotency_key=idempotency_key,
        run_id=run_id, workflow_id=workflow_id, node_id=node_id or "",
        created_at=now, updated_at=now, next_attempt_at=now,
    )
    if too_large:  # never sent; what is kept of it stays small
        message.status, message.error, message.failed_at, message.next_attempt_at = (
            S.FAILED, too_large, now, None)
        message.subject = subject[:Message._meta.get_field("subject").max_length]
        message.body = body[:FAILED_BODY_KEEP]
        return message
    verdict = guardrails_check(customer=customer, channel=channel, category=category,
                               address=address, now=now, facts=facts)
    if channel == MessageChannel.CALL:
        verdict = call_verdict(verdict, customer, options, now)
    if verdict.action == "suppress":
        message.status, message.reason, message.next_attempt_at = (
            S.SUPPRESSED, verdict.reason, None)
    elif verdict.action == "defer":
        message.status, message.reason, message.next_attempt_at = (
            S.DEFERRED, verdict.reason, verdict.until)
    return message


def enqueue_delivery(message_ids: list[int]) -> None:
    from apps.handoff import enqueue_ids
    from apps.messaging.tasks import messages_deliver  # on the deliveries' queue

    size = settings.KEEPFLOW_DELIVERY_BATCH
    for start in range(0, len(message_ids), size):
        enqueue_ids(messages_deliver, message_ids[start:start + size])


def _enqueue_reconcile(message_ids: list[int], countdown: float) -> None:
    from apps.messaging.tasks import message_reconcile

    for message_id in message_ids:
        message_reconcile.apply_async((message_id,), countdown=countdown)


# --- sending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SendStep:
    """What one delivery attempt did, and what the task should schedule next."""

    status: str
    retry_in: float | None = None
    reconcile_in: float | None = None


def retry_delay(attempts: int, retry_after: float | None = None) -> float:
    base = settings.KEEPFLOW_MESSAGE_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return min(max(base, retry_after or 0.0), settings.KEEPFLOW_MESSAGE_RETRY_MAX_SECONDS)


def message_send(message_id: int, *, now: datetime | None = None) -> SendStep:
    """One delivery attempt for one message (see `messages_send`)."""
    return messages_send([message_id], now=now).get(message_id, SendStep("missing"))


# What a delivery attempt may change on a message (saved with one bulk update), and
# what the provider's answer may change: not the address, which an erasure may have
# blanked during the call.
_SEND_FIELDS = ("status", "reason", "next_attempt_at", "to", "provider", "attempts",
                "sending_at", "sent_at", "provider_message_id", "error", "failed_at",
                "updated_at")
_RESULT_FIELDS = ("status", "reason", "next_attempt_at", "attempts", "sent_at",
                  "provider_message_id", "error", "failed_at", "updated_at")


def messages_send(message_ids: list[int], *, now: datetime | None = None
                  ) -> dict[int, SendStep]:
    """One delivery attempt for each message: check the guardrails again (their facts
    read once for all), mark `sending` (committed) before any provider is called, call
    the providers outside any transaction (several at once), then record what they said,
    together. Only a
    queued message is sent, so a repeated task does nothing."""
    started = now or timezone.now()
    steps: dict[int, SendStep] = {}
    calls: list[tuple[Message, Provider]] = []
    not_called: list[Message] = []  # calls a guardrail stopped: their runs must go on
    with transaction.atomic():
        messages = list(Message.objects.select_for_update(of=("self",))
                        .select_related("customer").filter(pk__in=message_ids).order_by("id"))
        facts = GuardrailFacts({m.customer_id: m.customer for m in messages}.values(), started)
        changed = []
        for message in messages:
            if message.status != S.QUEUED:
                steps[message.pk] = SendStep(message.status)
                continue
            address = customer_address(message.customer, message.channel)
            verdict = guardrails_check(
                customer=message.customer, channel=message.channel,
                category=message.category, address=address, now=started,
                before_message_id=message.pk, facts=facts)
            if message.channel == MessageChannel.CALL:
                verdict = call_verdict(verdict, message.customer, message.options, started)
            if verdict.action == "suppress":
                message.suppress(verdict.reason)
                if message.channel == MessageChannel.CALL:
                    not_called.append(message)
            elif verdict.action == "defer":
                message.defer(verdict.until, verdict.reason)
            else:
                provider = provider_for(message.channel)
                message.to, message.provider = address, provider.name
                message.start_sending(started)
                calls.append((message, provider))
            changed.append(message)
            steps[message.pk] = SendStep(message.status)
        _messages_save(changed, started)
        for message in not_called:
            _call_event(message, NOT_CALLED, started, f"send:{message.pk}",
                        {"reason": message.reason})

    results = providers_send(calls)
    if not results:
        return steps

    finished = now or timezone.now()
    called = {message.pk: message for message, _provider in calls}
    with transaction.atomic():
        # The copies from before the calls are still right for rows that are still
        # `sending`: only their state is read again (locked). A row a delivery webhook
        # moved on meanwhile is loaded afresh.
        states = dict(Message.objects.select_for_update(of=("self",))
                      .filter(pk__in=results).values_list("pk", "status"))
        moved = [pk for pk, status in states.items() if status != S.SENDING]
        if moved:
            called.update((message.pk, message) for message in
                          Message.objects.select_related("customer").filter(pk__in=moved))
        changed = []
        for pk in sorted(states):
            step, dirty = _send_recorded(called[pk], results[pk], finished)
            steps[pk] = step
            if dirty:
                changed.append(called[pk])
        _messages_save(changed, finished, _RESULT_FIELDS)
    return steps


def _send_recorded(message: Message, result: SendResult, finished: datetime
                   ) -> tuple[SendStep, bool]:
    """Apply a provider's answer to the message (in memory); (step, changed)."""
    if message.status != S.SENDING:
        # A delivery webhook got here first (sent/delivered); keep what it recorded.
        if result.provider_message_id and not message.provider_message_id:
            message.provider_message_id = result.provider_message_id
            return SendStep(message.status), True
        return SendStep(message.status), False
    if result.outcome == "sent":
        message.mark_sent(result.provider_message_id, finished)
        return SendStep(message.status), True
    if result.outcome == "retry" and message.attempts < settings.KEEPFLOW_MESSAGE_MAX_ATTEMPTS:
        delay = retry_delay(message.attempts, result.retry_after)
        message.retry_later(result.error, finished + timedelta(seconds=delay))
        return SendStep(message.status, retry_in=delay), True
    if result.outcome == "unknown":
        message.mark_unknown(f"outcome unknown, not resent: {result.error}")
        return SendStep(message.status,
                        reconcile_in=settings.KEEPFLOW_MESSAGE_RECONCILE_DELAY_SECONDS), True
    attempts = f" after {message.attempts} attempts" if message.attempts > 1 else ""
    message.fail(f"{result.error}{attempts}", finished)
    if message.channel == MessageChannel.SMS:
        _events_emit(message, "sms.failed", finished, f"send:{message.pk}",
                     {"error": message.error})
    if message.channel == MessageChannel.CALL:  # never placed: no status callback comes
        _call_event(message, "failed", finished, f"send:{message.pk}",
                    {"error": message.error})
    return SendStep(message.status), True


def _messages_save(messages: list[Message], now: datetime,
                   fields: tuple[str, ...] = _SEND_FIELDS) -> None:
    """One statement for the messages of a delivery batch (their rows are locked)."""
    for message in messages:
        message.updated_at = now
    rows_update(messages, fields)


def messages_dispatch_due(*, now: datetime | None = None, limit: int = 1000) -> dict[str, list]:
    """The periodic sweep: deferred messages whose time came, queued ones whose delivery
    task was lost (broker down at commit, worker lost), and sends stuck in `sending` (the
    worker died mid-call: outcome unknown, so reconcile). Enqueues after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        released = list(Message.objects.select_for_update(skip_locked=True).filter(
            status=S.DEFERRED, next_attempt_at__lte=now).order_by("next_attempt_at")[:limit])
        for message in released:
            message.release()
            message.next_attempt_at = now
            message.save()
        lost = list(Message.objects.select_for_update(skip_locked=True).filter(
            status=S.QUEUED, next_attempt_at__lte=now - DISPATCH_GRACE
        ).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
        # A lease, so a backlog is not enqueued again on every sweep.
        Message.objects.filter(pk__in=lost).update(next_attempt_at=now + DISPATCH_LEASE)
        stale = now - timedelta(seconds=settings.KEEPFLOW_MESSAGE_SENDING_STALE_SECONDS)
        stuck = list(Message.objects.select_for_update(skip_locked=True).filter(
            status=S.SENDING, sending_at__lte=stale)[:limit])
        for message in stuck:
            message.mark_unknown("the worker stopped during the send: outcome unknown, "
                                 "not resent")
            message.save()
        deliver = [m.pk for m in released] + lost
        reconcile = [m.pk for m in stuck]
        if deliver:
            transaction.on_commit(lambda: enqueue_delivery(deliver), robust=True)
        if reconcile:
            transaction.on_commit(lambda: _enqueue_reconcile(reconcile, 0), robust=True)
    return {"deliver": deliver, "reconcile": reconcile}


# --- reconcile ---------------------------------------------------------------------------


def message_reconcile(message_id: int, *, now: datetime | None = None) -> str:
    """Ask the provider whether a send with an unknown outcome happened. Found: sent. Not
    found or cannot tell: it stays in reconcile, with what was learnt, for an operator."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None or message.status != S.RECONCILE:
        return message.status if message else "missing"
    provider = provider_named(message.provider) if message.provider else provider_for(
        message.channel)
    lookup = provider.lookup(message)
    now = now or timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != S.RECONCILE:
            return message.status
        if lookup.found:
            message.mark_sent(lookup.provider_message_id, now)
        else:
            first_line = message.error.split("\n")[0]
            message.error = f"{first_line}\nreconcile {now:%Y-%m-%d %H:%M}Z: {lookup.detail}"
        message.save()
        return message.status


def message_resend(message: Message, *, now: datetime | None = None) -> Message:
    """An operator checked the provider and found the message was not sent."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if not can_proceed(message.resend):
            raise MessagingError(f"only a message in reconcile can be resent, not "
                                 f"one that is {message.status}")
        message.resend(now or timezone.now())
        message.save()
        message_id = message.pk
        transaction.on_commit(lambda: enqueue_delivery([message_id]), robust=True)
    return message


def message_give_up(message: Message, *, note: str = "",
                    now: datetime | None = None) -> Message:
    """An operator closes a message in reconcile (or still queued) as failed."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.status not in (S.RECONCILE, S.QUEUED):
            raise MessagingError(f"only a message in reconcile or queued can be failed, "
                                 f"not one that is {message.status}")
        message.fail(f"failed by an operator: {note}".rstrip(": "), now or timezone.now())
        message.save()
    return message


# --- delivery webhooks -------------------------------------------------------------------

Kind = Literal["sent", "delivered", "opened", "clicked", "bounced", "failed"]
_TRANSITIONS = {"sent": "mark_sent", "delivered": "deliver", "opened": "open",
                "clicked": "click", "bounced": "bounce", "failed": "fail"}
_EVENT_TYPES = {
    ("email", "delivered"): "email.delivered", ("email", "opened"): "email.opened",
    ("email", "clicked"): "email.clicked", ("email", "bounced"): "email.bounced",
    ("sms", "delivered"): "sms.delivered", ("sms", "failed"): "sms.failed",
}


def message_delivery_update(
    message: Message, kind: Kind, *, event_key: str, provider_message_id: str = "",
    detail: Mapping[str, Any] | None = None, occurred_at: datetime | None = None,
) -> Message:
    """A provider told us what became of a message: move it on where that is a step
    forward (webhooks arrive out of order; an open after a click changes nothing) and
    emit the customer event (idempotent by the provider's event key)."""
    at = occurred_at or timezone.now()
    detail = dict(detail or {})
    with transaction.atomic():
        message = (Message.objects.select_for_update(of=("self",))
                   .select_related("customer").get(pk=message.pk))
        if provider_message_id and not message.provider_message_id:
            message.provider_message_id = provider_message_id
        error = str(detail.get("error") or "")
        method = getattr(message, _TRANSITIONS[kind])
        args = {"sent": (provider_message_id, at), "bounced": (error, at),
                "failed": (error, at)}.get(kind, (at,))
        if can_proceed(method):
            method(*args)
        message.save()
        event_type = _EVENT_TYPES.get((message.channel, kind))
        if event_type:
            _events_emit(message, event_type, at, event_key, detail)
    return message


def _events_emit(message: Message, event_type: str, at: datetime, key: str,
                 detail: Mapping[str, Any]) -> None:
    customer = message.customer
    if customer.erased_at is not None:
        return
    properties = {"message_id": message.pk, "channel": message.channel,
                  "category": message.category, "provider": message.provider,
                  "workflow_id": message.workflow_id, "run_id": message.run_id,
                  "node_id": message.node_id, **detail}
    events_ingest([EventIn(customer_external_id=customer.external_id, type=event_type,
                           properties=properties, occurred_at=at,
                           idempotency_key=f"msg:{event_type}:{key}")],
                  source=EventSource.INTERNAL)


# --- calls --------------------------------------------------------------------------------


def _call_event(message: Message, status: str, at: datetime, key: str,
                detail: Mapping[str, Any]) -> None:
    """call.completed: what action.call waits for (its `status` picks the block's port)."""
    _events_emit(message, "call.completed", at, key,
                 {"call_id": message.pk, "status": status, "duration": 0,
                  "digit": (message.options or {}).get("digit"), **detail})


def call_outcome_record(message: Message, outcome: str, *, sid: str, duration: int = 0,
                        answered_by: str = "", occurred_at: datetime | None = None) -> Message:
    """Twilio's final status of a call: the row moves on (answered or voicemail:
    delivered; busy, no answer, failed: failed) and call.completed is emitted once per
    call (keyed by the call's sid)."""
    at = occurred_at or timezone.now()
    with transaction.atomic():
        message = (Message.objects.select_for_update(of=("self",))
                   .select_related("customer").get(pk=message.pk))
        if sid and not message.provider_message_id:
            message.provider_message_id = sid
        message.options = {**(message.options or {}), "call_outcome": outcome}
        if outcome in ("answered", "voicemail"):
            if can_proceed(message.deliver):
                message.deliver(at)
        elif can_proceed(message.fail):
            message.fail(f"call {outcome.replace('_', ' ')}", at)
        message.save()
        _call_event(message, outcome, at, f"twilio:{sid or message.pk}",
                    {"duration": duration, "answered_by": answered_by or None})
    return message


def call_key_pressed_record(message: Message, digit: str, *, sid: str) -> None:
    """A key pressed in the call's menu: kept on the row (call.completed carries it as
    `digit`) and emitted at once as call.key_pressed."""
    with transaction.atomic():
        message = (Message.objects.select_for_update(of=("self",))
                   .select_related("customer").get(pk=message.pk))
        message.options = {**(message.options or {}), "digit": digit}
        message.save(update_fields=["options", "updated_at"])
        _events_emit(message, "call.key_pressed", timezone.now(), f"twilio:{sid}:{digit}",
                     {"call_id": message.pk, "digit": digit})


# --- consent and suppression -------------------------------------------------------------


def customer_consent_set(customer: Customer, channel: str, status: str, *,
                         source: str) -> Customer:
    """Record a consent change (unsubscribe link, SMS STOP/START, spam report) with its
    source and time; segments follow."""
    if customer.erased_at is not None or (
            (customer.consent or {}).get(channel, {}).get("status") == status):
        return customer
    updated, _ = customer_upsert(customer.external_id,
                                 {"consent": {channel: {"status": status, "source": source}}},
                                 source=source)
    return updated


def customers_by_phone(phone: str) -> list[Customer]:
    return list(Customer.objects.filter(phone=phone.strip(), erased_at__isnull=True)) if (
        phone.strip()) else []


SMS_STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
                            "REVOKE", "OPTOUT"})
SMS_START_WORDS = frozenset({"START", "UNSTOP", "YES", "OPTIN"})


def sms_keyword_apply(*, from_number: str, body: str) -> str | None:
    """Twilio's opt-out and opt-in keywords (a message that is just the word, any case)
    deny or grant SMS consent for the customers with this number. Returns the status
    set, or None when the text is not a keyword."""
    word = body.strip().upper().rstrip(".!")
    if word in SMS_STOP_WORDS:
        status = ConsentStatus.DENIED
    elif word in SMS_START_WORDS:
        status = ConsentStatus.GRANTED
    else:
        return None
    for customer in customers_by_phone(from_number):
        customer_consent_set(customer, "sms", status,
                             source="sms_stop" if status == ConsentStatus.DENIED
                             else "sms_start")
    return status


def suppression_add(channel: str, address: str, reason: str) -> Suppression:
    suppression, _ = Suppression.objects.get_or_create(
        channel=channel, address=address_normalize(channel, address),
        defaults={"reason": reason},
    )
    return suppression


def sms_received_record(*, from_number: str, body: str, sid: str, keyword: str | None) -> None:
    """An inbound text becomes an sms.received event (a workflow may wait for a reply)."""
    customers = customers_by_phone(from_number)
    if not customers:
        return
    events_ingest([
        EventIn(customer_external_id=customer.external_id, type="sms.received",
                properties={"body": body[:1600], "keyword": keyword, "from": from_number},
                idempotency_key=f"msg:sms.received:{sid}:{customer.pk}" if sid else None)
        for customer in customers
    ], source=EventSource.INTERNAL)
