"""The dashboard's retention (GET /api/v1/reports/retention/dashboard): the last twelve
months and the current one so far, per month, with the cohorts, read from a snapshot
(`RetentionSnapshot`) that a beat task keeps fresh, since computing it takes seconds at
a million customers (docs/reports.md#on-the-dashboard).

A snapshot belongs to one definition of "a customer" and one segment (or everyone) and
records the settings it was computed with; it is served while those settings hold and
it is under a day old. Only a first visit for a definition and segment, or the first
after the churn settings changed, computes it while the visitor waits; the beat task
then keeps it fresh for as long as someone looks at it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.reports.models import RetentionSnapshot
from apps.reports.retention import Definition, Rule, month_start, retention_report, rule_default

MONTHS = 12
# A snapshot older than this is not served: computed again while the visitor waits.
SERVE_LIMIT = timedelta(days=1)
# Snapshots nobody asked for in this long are no longer refreshed (and are deleted).
KEEP_WARM = timedelta(days=7)
# (purchase, everyone): what the dashboard shows first, always kept fresh.
DEFAULT: tuple[Definition, int | None] = ("purchase", None)
_LOCK = 0x52455452  # "RETR": advisory lock space of the refresh pass


def clock() -> datetime:
    """Now; the tests drive it."""
    return timezone.now()


def refresh_after() -> timedelta:
    """How old a snapshot may get before the beat task computes it again."""
    return timedelta(seconds=settings.KEEPFLOW_RETENTION_REFRESH_SECONDS)


def dashboard_period(today: date) -> tuple[date, date]:
    """[the first of the month twelve months before this one, today): twelve whole
    months and the current one up to yesterday (data of whole UTC days)."""
    first = month_start(today)
    return date(first.year - 1, first.month, 1), today


def rule_key(rule: Rule) -> str:
    """The settings the definition depends on, so a change to one makes a snapshot
    stale (and a change to the others does not)."""
    if rule.definition == "purchase":
        return f"purchase k={rule.k} rhythm={rule.rhythm_days} event={rule.purchase_event}"
    if rule.definition == "p_alive":
        return f"p_alive p={rule.p} event={rule.purchase_event}"
    return f"contract attribute={rule.contract_attribute}"


def retention_snapshot_compute(definition: Definition, segment_id: int | None,
                               now: datetime | None = None) -> RetentionSnapshot:
    """Compute the dashboard's retention and store it in place of the last snapshot for
    this definition and segment (running it twice leaves one row, the newer figures)."""
    from apps.reports.serializers import RetentionReportSerializer

    now = now or clock()
    rule = rule_default(definition)
    date_from, end = dashboard_period(now.date())
    report = retention_report(date_from, end, rule, segment_id)
    report["to"] = end - timedelta(days=1)
    snapshot, _ = RetentionSnapshot.objects.update_or_create(
        definition=definition, segment_id=segment_id,
        defaults={"rule_key": rule_key(rule), "end_day": end, "computed_at": now,
                  "report": RetentionReportSerializer(report).data},
        create_defaults={"rule_key": rule_key(rule), "end_day": end, "computed_at": now,
                         "requested_at": now,
                         "report": RetentionReportSerializer(report).data})
    return snapshot


def retention_dashboard(definition: Definition, segment_id: int | None,
                        now: datetime | None = None) -> dict[str, Any]:
    """The snapshot's report with `as_of` (when it was computed): the stored one while
    the settings it used hold and it is under a day old, else computed now."""
    now = now or clock()
    snapshot = RetentionSnapshot.objects.filter(definition=definition,
                                                segment_id=segment_id).first()
    if (snapshot is None or snapshot.rule_key != rule_key(rule_default(definition))
            or now - snapshot.computed_at > SERVE_LIMIT):
        snapshot = retention_snapshot_compute(definition, segment_id, now)
    elif now - snapshot.requested_at > timedelta(hours=1):  # one write an hour at most
        RetentionSnapshot.objects.filter(pk=snapshot.pk).update(requested_at=now)
    return {**snapshot.report, "as_of": snapshot.computed_at}


def retention_snapshots_refresh(now: datetime | None = None) -> int:
    """Recompute the snapshots that are older than the refresh interval, from an earlier
    day, or from other settings, among those asked for in the last week (and the
    default's, always); delete the others. A pass still going makes this one a no-op.
    Returns how many were computed."""
    now = now or clock()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [_LOCK])
        if not cursor.fetchone()[0]:
            return 0
    try:
        RetentionSnapshot.objects.filter(requested_at__lt=now - KEEP_WARM) \
            .exclude(definition=DEFAULT[0], segment__isnull=True).delete()
        wanted = {(s.definition, s.segment_id): s for s in RetentionSnapshot.objects.all()}
        wanted.setdefault(DEFAULT, None)  # type: ignore[arg-type]
        keys = {d: rule_key(rule_default(d)) for d in ("purchase", "contract", "p_alive")}
        today = now.date()
        done = 0
        for (definition, segment_id), snapshot in sorted(
                wanted.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
            if (snapshot is None or snapshot.rule_key != keys[definition]
                    or snapshot.end_day != today
                    or now - snapshot.computed_at >= refresh_after()):
                retention_snapshot_compute(definition, segment_id, now)
                done += 1
        return done
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, 0)", [_LOCK])
