"""Reads for the ROI: what a workflow spent on the customers who entered in a period
(messages handed to a provider, agent tasks, redeemed offers' discounts), and what a
kept customer is worth (their CLV where known, else the set value)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet

from apps.common.templating import sms_segments
from apps.customers.models import Customer, Event
from apps.engine.models import Run
from apps.messaging.models import Message, MessageChannel, MessageStatus
from apps.offers.models import Offer, OfferKind
from apps.reports.roi import Costs
from apps.tasks.models import Task, TaskState
from apps.workflows.schemas import Costs as CostSettings

# Messages that went to a provider (and are billed), delivered or not.
BILLED = (MessageStatus.SENDING, MessageStatus.RECONCILE, MessageStatus.SENT,
          MessageStatus.DELIVERED, MessageStatus.OPENED, MessageStatus.CLICKED,
          MessageStatus.BOUNCED)
# Above this many customers, the average CLV is taken over a sample of about this many,
# in this many slices of the period.
CLV_SAMPLE = 5_000
SLICES = 50


def _of_period(rows: QuerySet[Any], workflow_id: int, date_from: datetime,
               date_to: datetime) -> QuerySet[Any]:
    """Rows made by the workflow's runs that started in [from, to): one primary-key probe
    per row of the workflow's since `from` (they are made after their run started)."""
    runs = Run.objects.filter(pk=OuterRef("run_id"), created_at__gte=date_from,
                              created_at__lt=date_to)
    return rows.filter(workflow_id=workflow_id, created_at__gte=date_from) \
        .filter(Exists(runs))


def workflow_costs(workflow_id: int, settings: CostSettings, date_from: datetime,
                   date_to: datetime) -> Costs:
    messages = _of_period(Message.objects.filter(status__in=BILLED), workflow_id,
                          date_from, date_to)
    emails = messages.filter(channel=MessageChannel.EMAIL).count()
    segments = sum(sms_segments(body)["segments"] for body in messages.filter(
        channel=MessageChannel.SMS).values_list("body", flat=True).iterator())
    tasks = _of_period(Task.objects.exclude(state=TaskState.CANCELLED), workflow_id,
                       date_from, date_to).count()
    offers = list(_of_period(Offer.objects.filter(redeemed_at__isnull=False), workflow_id,
                             date_from, date_to)
                  .values_list("kind", "value", "redeemed_event_id"))
    return Costs(
        emails=emails, email_cost=emails * float(settings.email),
        sms_segments=segments, sms_cost=segments * float(settings.sms),
        tasks=tasks,
        task_cost=tasks * float(settings.call_task
                                + settings.agent_minute * settings.task_minutes),
        offers_redeemed=len(offers),
        offer_cost=_discounts(offers, float(settings.free_shipping)))


def _discounts(offers: list[tuple[str, Decimal, int | None]], free_shipping: float) -> float:
    """An amount off is its value; a percentage is taken of the redeeming event's
    `amount` (0 when it has none); free shipping costs the set amount."""
    amounts: dict[int, Any] = dict(Event.objects.filter(
        pk__in=[e for kind, _, e in offers if kind == OfferKind.PERCENT and e])
        .values_list("pk", "properties__amount"))
    total = 0.0
    for kind, value, event_id in offers:
        if kind == OfferKind.AMOUNT:
            total += float(value)
        elif kind == OfferKind.FREE_SHIPPING:
            total += free_shipping
        else:
            amount = amounts.get(event_id) if event_id else None
            if isinstance(amount, int | float) and not isinstance(amount, bool):
                total += float(value) / 100 * float(amount)
    return total


def value_per_kept(workflow_id: int, settings: CostSettings, date_from: datetime,
                   date_to: datetime, entered: int) -> tuple[float, int, int]:
    """The value of a kept customer: the average over the customers who entered in the
    period (both groups: the draw is random) of their CLV, or the set value where it is
    unknown; with `use_clv` off, the set value. Returns (value, customers averaged, of
    them with a CLV).

    When more than CLV_SAMPLE entered, over those who entered in the first part of each
    of SLICES equal slices of the period (sized for about CLV_SAMPLE customers): index
    range scans, where a sample drawn by customer would read every entry."""
    fallback = float(settings.retained_customer_value)
    if not settings.use_clv or not entered:
        return fallback, 0, 0
    share = min(1.0, CLV_SAMPLE / entered)
    runs = Run._meta.db_table
    if share < 1.0:
        span = (date_to - date_from) / SLICES
        slices = (f"SELECT DISTINCT r.customer_id FROM generate_series(0, {SLICES - 1}) k "
                  f"JOIN {runs} r ON r.workflow_id = %s "
                  f"AND r.created_at >= %s + k * %s AND r.created_at < %s + k * %s + %s")
        params: list[Any] = [workflow_id, date_from, span, date_from, span, span * share]
    else:
        slices = (f"SELECT DISTINCT r.customer_id FROM {runs} r WHERE r.workflow_id = %s "
                  f"AND r.created_at >= %s AND r.created_at < %s")
        params = [workflow_id, date_from, date_to]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # compiling costs more than the statement
        # Two statements: in one, the planner expects every run in the sample and
        # hashes the whole customers table.
        cursor.execute(slices, params)
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT avg(coalesce(clv, %s)), count(*), count(clv) "
                       f"FROM {Customer._meta.db_table} WHERE id = ANY(%s)",
                       [Decimal(str(fallback)), ids])
        average, counted, known = cursor.fetchone()
    if not counted:
        return fallback, 0, 0
    return float(average), int(counted), int(known)
