"""The guardrails every message passes, at queue time and again at send time.

In order: the customer exists, there is an address, it is not on the suppression list,
the channel's consent allows it (marketing needs an opt-in that is not stale;
transactional needs no opt-in but an explicit "no" still stops it), the frequency cap
(marketing: a few per days; transactional: a wider one per hours), and quiet hours in
the customer's time zone (which defer, not drop).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.utils.dateparse import parse_datetime

from apps.customers.models import ConsentStatus, Customer, Event
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


def stale_horizon(now: datetime) -> datetime:
    return now - timedelta(days=settings.KEEPFLOW_STALE_CONSENT_DAYS)


def consent_is_stale(customer: Customer, consent_at: datetime | None, now: datetime,
                     facts: GuardrailFacts | None = None) -> bool:
    """An e-mail opt-in is stale when neither it nor any sign of the customer (activity,
    an open or a click) is younger than KEEPFLOW_STALE_CONSENT_DAYS."""
    horizon = stale_horizon(now)
    for moment in (consent_at, customer.last_seen_at):
        if moment is not None and moment >= horizon:
            return False
    if facts is not None:
        return not facts.engaged(customer.pk)
    return not customer.events.filter(
        type__in=ENGAGEMENT_EVENTS, occurred_at__gte=horizon
    ).exists()


def cap_window(category: str, channel: str) -> tuple[int, timedelta] | None:
    """(count, window) of the cap on this category and channel: marketing in days,
    transactional in hours (a looping workflow must not flood a customer either)."""
    if category == MessageCategory.MARKETING:
        cap = settings.KEEPFLOW_FREQUENCY_CAPS.get(channel)
        return (cap["count"], timedelta(days=cap["days"])) if cap else None
    cap = settings.KEEPFLOW_TRANSACTIONAL_CAPS.get(channel)
    return (cap["count"], timedelta(hours=cap["hours"])) if cap else None


def cap_reached(customer: Customer, channel: str, now: datetime,
                before_message_id: int | None = None, *,
                category: str = MessageCategory.MARKETING) -> bool:
    """At most `count` messages of this category per window on this channel, across
    workflows. At send time only the messages queued before this one count (as when it
    was queued)."""
    window = cap_window(category, channel)
    if window is None:
        return False
    count, span = window
    messages = Message.objects.filter(
        customer=customer, channel=channel, category=category,
        created_at__gte=now - span, status__in=COUNTED_STATUSES,
    )
    if before_message_id is not None:
        messages = messages.filter(pk__lt=before_message_id)
    return messages.count() >= count


class GuardrailFacts:
    """What the guardrails read besides the customer row (the suppression list, recent
    marketing messages, engagement), loaded for many customers at once: one statement
    per kind of fact for a whole batch of the engine's runs instead of one per message.
    Messages queued through these facts are counted in, so a batch holding two texts
    for one customer applies the caps as two separate calls would."""

    def __init__(self, customers: Iterable[Customer], now: datetime) -> None:
        self.customers = {customer.pk: customer for customer in customers}
        self.now = now
        # Each loaded for one channel (and category) when first asked about: a batch
        # usually holds one kind of message.
        self._suppressed: dict[str, set[str]] = {}
        self._counted: dict[tuple[str, str], dict[int, list[int]]] = {}
        self._added: Counter[tuple[int, str, str]] = Counter()
        self._engaged: set[int] | None = None

    def suppressed(self, channel: str, address: str) -> bool:
        if channel not in self._suppressed:
            addresses = {customer_address(c, channel) for c in self.customers.values()}
            addresses.discard("")
            self._suppressed[channel] = set(
                Suppression.objects.filter(channel=channel, address__in=addresses)
                .values_list("address", flat=True))
        return address in self._suppressed[channel]

    def cap_reached(self, customer_id: int, channel: str,
                    before_message_id: int | None = None, *,
                    category: str = MessageCategory.MARKETING) -> bool:
        """As `cap_reached` below; at send time only messages queued before this one."""
        window = cap_window(category, channel)
        if window is None:
            return False
        if (channel, category) not in self._counted:
            self._counted[(channel, category)] = self._counted_load(channel, category,
                                                                    window[1])
        ids = self._counted[(channel, category)].get(customer_id, [])
        if before_message_id is not None:
            count = sum(1 for message_id in ids if message_id < before_message_id)
        else:
            count = len(ids) + self._added[(customer_id, channel, category)]
        return count >= window[0]

    def _counted_load(self, channel: str, category: str, span: timedelta
                      ) -> dict[int, list[int]]:
        """The ids of this kind of message within the cap's window, per customer: one row
        per customer with the ids as an array, so a customer's history costs no model rows
        on the Python side (it grows all day under load)."""
        return dict(Message.objects.filter(
            customer_id__in=self.customers, channel=channel, category=category,
            created_at__gte=self.now - span, status__in=COUNTED_STATUSES,
        ).order_by().values_list("customer_id").annotate(ids=ArrayAgg("id")))

    def counted(self, customer_id: int, channel: str,
                category: str = MessageCategory.MARKETING) -> None:
        """A message was queued for the customer in this batch."""
        self._added[(customer_id, channel, category)] += 1

    def engaged(self, customer_id: int) -> bool:
        if self._engaged is None:
            self._engaged = set(Event.objects.filter(
                customer_id__in=self.customers, type__in=ENGAGEMENT_EVENTS,
                occurred_at__gte=stale_horizon(self.now),
            ).values_list("customer_id", flat=True).distinct())
        return customer_id in self._engaged


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
                     now: datetime, before_message_id: int | None = None,
                     facts: GuardrailFacts | None = None) -> Verdict:
    """The verdict for one message; `facts` (a batch's, loaded once) replaces the
    per-message queries."""
    if customer.erased_at is not None:
        return Verdict("suppress", Reason.CUSTOMER_ERASED)
    if not address:
        return Verdict("suppress", Reason.NO_ADDRESS)
    if facts.suppressed(channel, address) if facts is not None else \
            Suppression.objects.filter(channel=channel, address=address).exists():
        return Verdict("suppress", Reason.SUPPRESSION_LIST)
    status, consent_at = consent_of(customer, channel)
    if category == MessageCategory.MARKETING:
        if status != ConsentStatus.GRANTED:
            return Verdict("suppress", Reason.NO_CONSENT)
        if channel == "email" and consent_is_stale(customer, consent_at, now, facts):
            return Verdict("suppress", Reason.STALE_CONSENT)
    elif status == ConsentStatus.DENIED:
        return Verdict("suppress", Reason.NO_CONSENT)
    capped = (facts.cap_reached(customer.pk, channel, before_message_id, category=category)
              if facts is not None else
              cap_reached(customer, channel, now, before_message_id, category=category))
    if capped:
        return Verdict("suppress", Reason.FREQUENCY_CAP if category == MessageCategory.MARKETING
                       else Reason.TRANSACTIONAL_CAP)
    until = quiet_until(customer, now)
    if until is not None:
        return Verdict("defer", Reason.QUIET_HOURS, until)
    return SEND
