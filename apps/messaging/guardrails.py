"""The guardrails every message passes, at queue time and again at send time.

In order: the customer exists, there is an address, it is not on the suppression list,
the channel's consent allows it (marketing needs an opt-in that is not stale;
transactional needs no opt-in but an explicit "no" still stops it), the frequency cap
(marketing only), and quiet hours in the customer's time zone (which defer, not drop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils.dateparse import parse_datetime

from apps.customers.models import ConsentStatus, Customer
from apps.messaging.models import (
    COUNTED_STATUSES,
    Message,
    MessageCategory,
    Reason,
    Suppression,
)

ENGAGEMENT_EVENTS = ("email.opened", "email.clicked")


@dataclass(frozen=True)
class Verdict:
    action: Literal["send", "suppress", "defer"]
    reason: str = ""
    until: datetime | None = None


SEND = Verdict("send")


def address_normalize(channel: str, address: str) -> str:
    address = (address or "").strip()
    return address.lower() if channel == "email" else address


def customer_address(customer: Customer, channel: str) -> str:
    return address_normalize(channel, customer.email if channel == "email" else customer.phone)


def consent_of(customer: Customer, channel: str) -> tuple[str, datetime | None]:
    entry = (customer.consent or {}).get(channel) or {}
    status = entry.get("status") if isinstance(entry, dict) else None
    at = parse_datetime(entry.get("at") or "") if isinstance(entry, dict) else None
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return status or ConsentStatus.UNKNOWN, at


def consent_is_stale(customer: Customer, consent_at: datetime | None, now: datetime) -> bool:
    """An e-mail opt-in is stale when neither it nor any sign of the customer (activity,
    an open or a click) is younger than KEEPFLOW_STALE_CONSENT_DAYS."""
    horizon = now - timedelta(days=settings.KEEPFLOW_STALE_CONSENT_DAYS)
    for moment in (consent_at, customer.last_seen_at):
        if moment is not None and moment >= horizon:
            return False
    return not customer.events.filter(
        type__in=ENGAGEMENT_EVENTS, occurred_at__gte=horizon
    ).exists()


def cap_reached(customer: Customer, channel: str, now: datetime,
                before_message_id: int | None = None) -> bool:
    """At most `count` marketing messages per `days` on this channel, across workflows.
    At send time only the messages queued before this one count (as when it was queued)."""
    cap = settings.KEEPFLOW_FREQUENCY_CAPS.get(channel)
    if not cap:
        return False
    messages = Message.objects.filter(
        customer=customer, channel=channel, category=MessageCategory.MARKETING,
        created_at__gte=now - timedelta(days=cap["days"]), status__in=COUNTED_STATUSES,
    )
    if before_message_id is not None:
        messages = messages.filter(pk__lt=before_message_id)
    return messages.count() >= cap["count"]


def quiet_hours() -> tuple[time, time] | None:
    spec = (settings.KEEPFLOW_QUIET_HOURS or "").strip()
    if not spec:
        return None
    start, end = (time.fromisoformat(part.strip()) for part in spec.split("-"))
    return start, end


def customer_zone(customer: Customer) -> ZoneInfo:
    try:
        return ZoneInfo(customer.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def quiet_until(customer: Customer, now: datetime) -> datetime | None:
    """The end of the quiet hours `now` falls in, in the customer's time zone (as UTC),
    or None when it is not quiet there."""
    window = quiet_hours()
    if window is None:
        return None
    start, end = window
    zone = customer_zone(customer)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    quiet = (clock >= start or clock < end) if start > end else (start <= clock < end)
    if not quiet:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def guardrails_check(*, customer: Customer, channel: str, category: str, address: str,
                     now: datetime, before_message_id: int | None = None) -> Verdict:
    if customer.erased_at is not None:
        return Verdict("suppress", Reason.CUSTOMER_ERASED)
    if not address:
        return Verdict("suppress", Reason.NO_ADDRESS)
    if Suppression.objects.filter(channel=channel, address=address).exists():
        return Verdict("suppress", Reason.SUPPRESSION_LIST)
    status, consent_at = consent_of(customer, channel)
    if category == MessageCategory.MARKETING:
        if status != ConsentStatus.GRANTED:
            return Verdict("suppress", Reason.NO_CONSENT)
        if channel == "email" and consent_is_stale(customer, consent_at, now):
            return Verdict("suppress", Reason.STALE_CONSENT)
        if cap_reached(customer, channel, now, before_message_id):
            return Verdict("suppress", Reason.FREQUENCY_CAP)
    elif status == ConsentStatus.DENIED:
        return Verdict("suppress", Reason.NO_CONSENT)
    until = quiet_until(customer, now)
    if until is not None:
        return Verdict("defer", Reason.QUIET_HOURS, until)
    return SEND
