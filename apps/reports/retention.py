"""Retention and churn over a period (GET /api/v1/reports/retention): retention =
(E - N) / S with S the customers at the start, E those at the end and N those of E who
became customers in the period (their first purchase, or their record for contract
customers), churn = 1 - retention; a monthly series of the same; and a cohort table by
month of first purchase (docs/reports.md#retention-and-churn).

Who counts as "a customer" at a moment t depends on the business:

- `contract`: their contract attribute (insights settings, default `contract_end`) is a
  date on or after t, and their record existed before t;
- `purchase`: they bought within k times their own rhythm before t (the median gap
  between their purchase days; with one purchase day, the insights setting
  `default_rhythm_days`);
- `p_alive`: their latest churn-model score before t (the score history) puts P(alive)
  at p or more.

Moments are midnights UTC; one statement returns counts per (moment, cohort month), so
nothing per customer reaches Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any, Literal

from django.conf import settings
from django.db import connection, transaction

from apps.customers.models import Customer, Event, SegmentMembership
from apps.insights.models import ScorePoint
from apps.insights.selectors import insights_settings_get
from apps.insights.writing import CONTRACT_DATE_RE

Definition = Literal["contract", "purchase", "p_alive"]


@dataclass(frozen=True)
class Rule:
    definition: Definition
    k: float = 2.0  # purchase: a customer bought within k x their rhythm
    p: float = 0.5  # p_alive: the threshold
    rhythm_days: int = 30  # purchase: the rhythm of a customer with one purchase day
    contract_attribute: str = "contract_end"
    purchase_event: str = "order.completed"


def rule_default(definition: Definition, k: float | None = None,
                 p: float | None = None) -> Rule:
    """The rule with the installation's settings (purchase event, contract attribute,
    default rhythm, P(alive) threshold) where not given."""
    saved = insights_settings_get()
    return Rule(definition=definition, k=2.0 if k is None else k,
                p=saved.p_alive_threshold if p is None else p,
                rhythm_days=saved.default_rhythm_days,
                contract_attribute=saved.contract_attribute,
                purchase_event=settings.KEEPFLOW_INSIGHTS["PURCHASE_EVENT"])


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def checkpoints(date_from: date, date_to: date) -> list[date]:
    """from, every first of a month in between, and to."""
    points = [date_from]
    month = next_month(month_start(date_from))
    while month < date_to:
        points.append(month)
        month = next_month(month)
    return [*points, date_to]


def _ctes(rule: Rule, segment_id: int | None) -> tuple[str, dict[str, Any]]:
    """The common table expressions `base` (customer_id, first_day: everyone who can be
    a customer, from the day they first became one) and `status` (customer_id,
    first_day, t: those who are customers at each moment t of %(points)s), sharing
    what they read."""
    events, customers = Event._meta.db_table, Customer._meta.db_table
    params: dict[str, Any] = {"purchase": rule.purchase_event, "k": rule.k, "p": rule.p,
                              "rhythm": rule.rhythm_days, "attr": rule.contract_attribute,
                              "date_re": CONTRACT_DATE_RE, "segment": segment_id}
    members = ""
    if segment_id is not None:
        members = (f"AND {{col}} IN (SELECT customer_id FROM "
                   f"{SegmentMembership._meta.db_table} WHERE segment_id = %(segment)s)")
    checks = "checks AS (SELECT unnest(%(points)s::date[]) AS t)"
    if rule.definition == "contract":
        return (
            f"base AS (SELECT id AS customer_id, (created_at AT TIME ZONE 'UTC')::date AS "
            f"first_day, left(attributes ->> %(attr)s, 10)::date AS ends FROM {customers} "
            f"WHERE erased_at IS NULL AND attributes ->> %(attr)s ~ %(date_re)s "
            f"{members.format(col='id')}), {checks}, "
            f"status AS (SELECT b.customer_id, b.first_day, c.t FROM base b JOIN checks c "
            f"ON b.first_day < c.t AND b.ends >= c.t)"), params
    days = (
        f"days AS (SELECT DISTINCT e.customer_id, (e.occurred_at AT TIME ZONE 'UTC')::date "
        f"AS day FROM {events} e WHERE e.type = %(purchase)s AND e.occurred_at < %(until)s "
        f"{members.format(col='e.customer_id')})")
    if rule.definition == "purchase":
        # Each purchase day d covers the moments t after it up to the next purchase day
        # (d is then the last purchase before t) and within k x the rhythm: a range join
        # of the purchase days with the few moments, no probe per customer and moment.
        return (
            f"{days}, spans AS (SELECT customer_id, day, lead(day) OVER w AS next_day, "
            f"day - lag(day) OVER w AS gap FROM days "
            f"WINDOW w AS (PARTITION BY customer_id ORDER BY day)), "
            f"base AS (SELECT customer_id, min(day) AS first_day, coalesce("
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY gap), %(rhythm)s) AS rhythm "
            f"FROM spans GROUP BY customer_id), {checks}, "
            f"status AS (SELECT s.customer_id, b.first_day, c.t FROM spans s "
            f"JOIN base b ON b.customer_id = s.customer_id JOIN checks c "
            f"ON c.t > s.day AND (s.next_day IS NULL OR c.t <= s.next_day) "
            f"AND c.t - s.day <= %(k)s * b.rhythm)"), params
    # Each score point holds from its moment up to the next one: the same range join.
    return (
        f"{days}, base AS (SELECT customer_id, min(day) AS first_day FROM days "
        f"GROUP BY customer_id), points AS (SELECT customer_id, at, p_alive, "
        f"lead(at) OVER (PARTITION BY customer_id ORDER BY at) AS next_at "
        f"FROM {ScorePoint._meta.db_table} "
        f"WHERE at < %(until)s {members.format(col='customer_id')}), {checks}, "
        f"status AS (SELECT b.customer_id, b.first_day, c.t FROM points s "
        f"JOIN base b ON b.customer_id = s.customer_id JOIN checks c "
        f"ON c.t > s.at AND (s.next_at IS NULL OR c.t <= s.next_at) "
        f"AND b.first_day < c.t WHERE s.p_alive >= %(p)s)"), params


def retention_report(date_from: date, date_to: date, rule: Rule,
                     segment_id: int | None = None) -> dict[str, Any]:
    """Retention and churn over [from, to), its monthly series and the cohorts of the
    customers whose first day is in the period: one statement."""
    points = checkpoints(date_from, date_to)
    ctes, params = _ctes(rule, segment_id)
    params = {**params, "points": points, "until": date_to, "from": date_from}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            f"WITH {ctes} SELECT false, t, date_trunc('month', first_day)::date, "
            f"first_day >= %(from)s, count(*) FROM status GROUP BY 2, 3, 4 "
            f"UNION ALL SELECT true, NULL, date_trunc('month', first_day)::date, true, "
            f"count(*) FROM base WHERE first_day >= %(from)s AND first_day < %(until)s "
            f"GROUP BY 3", params)
        rows = cursor.fetchall()
    counts = [(t, cohort, after, n) for size, t, cohort, after, n in rows if not size]
    sizes = {cohort: n for size, _, cohort, _, n in rows if size}
    return _assemble(points, counts, sizes, date_from, date_to, rule, segment_id)


def _rates(start: int, end: int, new: int) -> dict[str, Any]:
    """retention = (E - N) / S; None without customers at the start."""
    retention = (end - new) / start if start else None
    return {"start": start, "end": end, "new": new, "retention": retention,
            "churn": None if retention is None else 1 - retention}


def _assemble(points: list[date], counts: list[tuple[date, date, bool, int]],
              sizes: dict[date, int], date_from: date, date_to: date, rule: Rule,
              segment_id: int | None) -> dict[str, Any]:
    at: dict[date, int] = defaultdict(int)  # customers at each moment
    by_cohort: dict[tuple[date, date], int] = defaultdict(int)
    since_from: dict[date, int] = defaultdict(int)  # of them, first day on or after `from`
    in_cohorts: dict[tuple[date, date], int] = defaultdict(int)  # the same, per cohort
    for t, cohort, after_from, n in counts:
        at[t] += n
        by_cohort[(t, cohort)] += n
        if after_from:
            since_from[t] += n
            in_cohorts[(t, cohort)] += n

    def new(a: date, b: date) -> int:
        """Customers at b whose first day is on or after a (`from` or a month start)."""
        if a == date_from:
            return since_from[b]
        return sum(n for (t, cohort), n in by_cohort.items() if t == b and cohort >= a)

    series = [{"from": a, "to": b, **_rates(at[a], at[b], new(a, b))}
              for a, b in pairwise(points)]
    cohorts = []
    for cohort in sorted(sizes):
        retained = []
        month = next_month(cohort)
        while month <= date_to:
            retained.append(in_cohorts[(month, cohort)] / sizes[cohort])
            month = next_month(month)
        cohorts.append({"month": cohort, "customers": sizes[cohort], "retained": retained})
    return {"from": date_from, "to": date_to, "definition": rule.definition,
            "k": rule.k if rule.definition == "purchase" else None,
            "p": rule.p if rule.definition == "p_alive" else None,
            "segment": segment_id,
            **_rates(at[date_from], at[date_to], new(date_from, date_to)),
            "series": series, "cohorts": cohorts}
