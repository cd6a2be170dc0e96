"""Reads for exit surveys: the exit-reasons report.

Answers are counted per reason in the period they were given (answered_at); sends in the
period their survey was created, counting only surveys whose message went, or will go,
out (the message shares the survey's idempotency key; a message the guardrails
suppressed is no send). The response rate is the share of those sends answered so far.
Periods are UTC weeks (Monday) or calendar months, every one listed, empty ones too."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek

from apps.customers.models import Segment, SegmentMembership
from apps.messaging.models import COUNTED_STATUSES, Message
from apps.surveys.models import ExitReason, ExitSurvey

Period = Literal["week", "month"]


def period_start(day: dt.date, period: Period) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def period_starts(first: dt.date, last: dt.date, period: Period) -> list[dt.date]:
    starts, current = [], period_start(first, period)
    while current <= last:
        starts.append(current)
        if period == "week":
            current += dt.timedelta(days=7)
        else:
            current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return starts


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    return start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


def _in_segment(surveys: QuerySet[ExitSurvey], segment: Segment | None
                ) -> QuerySet[ExitSurvey]:
    if segment is None:
        return surveys
    return surveys.filter(Exists(SegmentMembership.objects.filter(
        segment=segment, customer_id=OuterRef("customer_id"))))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def exit_reasons_report(*, first: dt.date, last: dt.date, period: Period,
                        segment: Segment | None = None) -> dict[str, Any]:
    start, end = _bounds(first, last)
    trunc = TruncWeek if period == "week" else TruncMonth

    answered = _in_segment(ExitSurvey.objects.filter(
        answered_at__gte=start, answered_at__lt=end), segment)
    answer_rows = (answered.annotate(bucket=trunc("answered_at", tzinfo=dt.UTC))
                   .values("bucket", "reason_code").annotate(n=Count("id")))

    message_out = Message.objects.filter(idempotency_key=OuterRef("idempotency_key"),
                                         status__in=COUNTED_STATUSES)
    sent = _in_segment(ExitSurvey.objects.filter(created_at__gte=start, created_at__lt=end)
                       .filter(Exists(message_out)), segment)
    send_rows = (sent.annotate(bucket=trunc("created_at", tzinfo=dt.UTC)).values("bucket")
                 .annotate(n=Count("id"), responded=Count("answered_at")))

    periods = {day: {"start": day, "counts": {}, "answered": 0, "sent": 0, "responded": 0}
               for day in period_starts(first, last, period)}
    seen_codes: set[str] = set()
    for row in answer_rows:
        bucket = periods[row["bucket"].date()]
        bucket["counts"][row["reason_code"]] = row["n"]
        bucket["answered"] += row["n"]
        seen_codes.add(row["reason_code"])
    for row in send_rows:
        bucket = periods[row["bucket"].date()]
        bucket["sent"], bucket["responded"] = row["n"], row["responded"]

    reasons = [{"code": r.code, "label": r.label_en, "active": r.active}
               for r in ExitReason.objects.order_by("position", "id")]
    known = {reason["code"] for reason in reasons}
    reasons += [{"code": code, "label": code, "active": False}
                for code in sorted(seen_codes - known)]

    totals: dict[str, Any] = {"counts": {}, "answered": 0, "sent": 0, "responded": 0}
    for bucket in periods.values():
        bucket["response_rate"] = _rate(bucket["responded"], bucket["sent"])
        for code, n in bucket["counts"].items():
            totals["counts"][code] = totals["counts"].get(code, 0) + n
        for name in ("answered", "sent", "responded"):
            totals[name] += bucket[name]
    totals["response_rate"] = _rate(totals["responded"], totals["sent"])
    return {"from": first, "to": last, "period": period,
            "segment": {"id": segment.pk, "name": segment.name} if segment else None,
            "reasons": reasons, "periods": list(periods.values()), "totals": totals}
