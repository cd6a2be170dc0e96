"""The contract customers' rule score: a weighted mean of five signals a person can read
(docs/insights.md, "Contract customers").

A contract customer is one whose contract attribute (setting `contract_attribute`,
default `contract_end`) holds a date written YYYY-MM-DD (a longer ISO date-time too).
Their signals are summarised in SQL a range of customer ids at a time, like the purchase
summary, so one row per contract customer reaches Python; the scores, reasons and
breakdowns of a range are written with one statement that also returns the replaced
scores, for the churn_score.crossed events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Event, EventSource
from apps.insights.models import SIGNALS, ChurnBreakdown, InsightsSettings
from apps.insights.rfm import customer_id_ranges
from apps.insights.writing import CONTRACT_DATE_RE, CROSSED, crossings_find

# Fewer active days than this and the customer has no rhythm of their own yet: the
# setting `default_rhythm_days` stands in for their usual gap.
MIN_ACTIVE_DAYS_FOR_RHYTHM = 3
_NUMBER_RE = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"

_FACTS_SQL = """
WITH cc AS (
    SELECT id, attributes ->> %(attr)s AS contract_end
    FROM {customers}
    WHERE id >= %(lo)s AND id < %(hi)s AND erased_at IS NULL
      AND attributes ->> %(attr)s ~ %(date_re)s
), days AS (
    SELECT DISTINCT e.customer_id, (e.occurred_at AT TIME ZONE 'UTC')::date AS day
    FROM {events} AS e
    WHERE e.customer_id >= %(lo)s AND e.customer_id < %(hi)s
      AND e.customer_id IN (SELECT id FROM cc)
      AND e.occurred_at < %(until)s AND e.source <> %(internal)s
), gaps AS (
    SELECT customer_id, day, day - lag(day) OVER (PARTITION BY customer_id ORDER BY day) AS gap
    FROM days
), activity AS (
    SELECT customer_id, max(day) AS last_day, count(*) AS active_days,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap
    FROM gaps GROUP BY customer_id
), feedback AS (
    SELECT DISTINCT ON (e.customer_id) e.customer_id,
           (e.properties #>> %(fb_path)s)::float8 AS score, e.occurred_at
    FROM {events} AS e
    WHERE e.customer_id >= %(lo)s AND e.customer_id < %(hi)s
      AND e.customer_id IN (SELECT id FROM cc)
      AND e.type = %(fb_type)s AND e.occurred_at < %(until)s
      AND jsonb_typeof(e.properties #> %(fb_path)s) IN ('number', 'string')
      AND e.properties #>> %(fb_path)s ~ %(number_re)s
    ORDER BY e.customer_id, e.occurred_at DESC, e.id DESC
), complaints AS (
    SELECT e.customer_id, count(*) AS n
    FROM {events} AS e
    WHERE e.customer_id >= %(lo)s AND e.customer_id < %(hi)s
      AND e.customer_id IN (SELECT id FROM cc)
      AND e.type = %(complaint_type)s
      AND e.occurred_at >= %(complaint_since)s AND e.occurred_at < %(until)s
    GROUP BY 1
), cancellation AS (
    SELECT e.customer_id, max(e.occurred_at) AS at
    FROM {events} AS e
    WHERE e.customer_id >= %(lo)s AND e.customer_id < %(hi)s
      AND e.customer_id IN (SELECT id FROM cc)
      AND e.type = %(cancel_type)s
      AND e.occurred_at >= %(cancel_since)s AND e.occurred_at < %(until)s
    GROUP BY 1
)
SELECT cc.id, cc.contract_end, a.last_day, a.active_days, a.median_gap, f.score,
       f.occurred_at, coalesce(co.n, 0), ca.at
FROM cc
LEFT JOIN activity AS a ON a.customer_id = cc.id
LEFT JOIN feedback AS f ON f.customer_id = cc.id
LEFT JOIN complaints AS co ON co.customer_id = cc.id
LEFT JOIN cancellation AS ca ON ca.customer_id = cc.id
ORDER BY cc.id
"""

# The batch's scores arrive by COPY into a temporary table: a 50,000-element array of
# JSON texts as a query parameter takes seconds to encode and parse, COPY a fraction.
# (Dropped first: inside an outer transaction, a test's, the last batch's is still there.)
_SCORES_TABLE_SQL = """
DROP TABLE IF EXISTS pg_temp.insights_contract_scores;
CREATE TEMPORARY TABLE insights_contract_scores (
    id bigint, churn float8, reason text, signals jsonb, vals jsonb
) ON COMMIT DROP
"""
_WRITE_SQL = """
WITH v AS (
    SELECT * FROM insights_contract_scores
), old AS (
    SELECT c.id, c.external_id, c.churn_score
    FROM {customers} AS c JOIN v ON v.id = c.id ORDER BY c.id FOR UPDATE OF c
), changed AS (
    UPDATE {customers} AS c
    SET churn_score = v.churn, churn_reason = v.reason, scored_at = %(now)s
    FROM v WHERE c.id = v.id
), kept AS (
    INSERT INTO {breakdowns} (customer_id, score, signals, "values", computed_at, as_of)
    SELECT id, churn, signals, vals, %(now)s, %(as_of)s FROM v
    ON CONFLICT (customer_id) DO UPDATE
    SET score = excluded.score, signals = excluded.signals, "values" = excluded."values",
        computed_at = excluded.computed_at, as_of = excluded.as_of
), gone AS (
    DELETE FROM {breakdowns} AS b
    WHERE b.customer_id >= %(lo)s AND b.customer_id < %(hi)s
      AND NOT EXISTS (SELECT 1 FROM v WHERE v.id = b.customer_id)
)
SELECT old.id, old.external_id, old.churn_score FROM old
"""


@dataclass(frozen=True)
class ContractFacts:
    """One contract customer's signals as of a day, straight from the summary query."""

    customer_id: int
    contract_end: str  # the attribute's text
    last_active_day: date | None
    active_days: int
    median_gap: float | None  # days between active days (UTC), the median
    feedback_score: float | None
    feedback_at: datetime | None
    complaints: int
    cancellation_at: datetime | None


@dataclass(frozen=True)
class Signal:
    signal: str
    weight: float
    value: float  # 0..1
    points: float  # weight share x value: the signal's part of the score
    words: str
    raw: Any  # the fact behind the value (days, score, count), for clients

    def as_dict(self) -> dict[str, Any]:
        return {"signal": self.signal, "weight": self.weight, "value": round(self.value, 4),
                "points": round(self.points, 4), "words": self.words, "raw": self.raw}


@dataclass(frozen=True)
class RuleScore:
    score: float
    reason: str
    signals: list[Signal]  # most points first


def _path(field: str, setting: str) -> list[str]:
    head, _sep, rest = field.partition(".")
    if head != "properties" or not rest:
        raise ValueError(f"{setting} must be properties.<key>, not {field}")
    return rest.split(".")


def contract_facts(as_of: date, rules: InsightsSettings, *, customer_id: int | None = None,
                   batch_size: int | None = None) -> Iterator[tuple[int, int, list[ContractFacts]]]:
    """(lo, hi, facts of the contract customers with lo <= id < hi), range by range."""
    batch = batch_size or settings.KEEPFLOW_INSIGHTS["BATCH_SIZE"]
    until = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
    sql = _FACTS_SQL.format(customers=connection.ops.quote_name(Customer._meta.db_table),
                            events=connection.ops.quote_name(Event._meta.db_table))
    params = {
        "attr": rules.contract_attribute, "date_re": CONTRACT_DATE_RE, "until": until,
        "internal": EventSource.INTERNAL.value, "number_re": _NUMBER_RE,
        "fb_path": _path(rules.feedback_field, "feedback_field"),
        "fb_type": rules.feedback_event,
        "complaint_type": rules.complaint_event,
        "complaint_since": until - timedelta(days=rules.complaint_window_days),
        "cancel_type": rules.cancellation_event,
        "cancel_since": until - timedelta(days=rules.cancellation_window_days),
    }
    with connection.cursor() as cursor:
        for lo, hi in customer_id_ranges(cursor, batch, customer_id):
            cursor.execute(sql, {**params, "lo": lo, "hi": hi})
            yield lo, hi, [ContractFacts(*row) for row in cursor.fetchall()]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


class Words:
    """The translations of one scoring run, looked up once per message (and count):
    Django's per-call lookup costs more than the whole score at a million customers. The
    methods keep gettext's names, so makemessages still finds the messages."""

    def __init__(self) -> None:
        self._plain: dict[str, str] = {}
        self._plural: dict[tuple[str, int], str] = {}

    def gettext(self, message: str) -> str:
        if message not in self._plain:
            self._plain[message] = _(message)
        return self._plain[message]

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        key = (singular, count)
        if key not in self._plural:
            self._plural[key] = ngettext(singular, plural, count)
        return self._plural[key]


Found = tuple[float, str, Any]  # (value 0..1, words, the fact behind it)


def _contract_end(w: Words, facts: ContractFacts, as_of: date, horizon: int) -> Found:
    try:
        end = date.fromisoformat(facts.contract_end[:10])
    except ValueError:
        return 0.0, w.gettext("Contract end date not readable (%(value)s)") % {
            "value": facts.contract_end[:40]}, None
    days = (end - as_of).days
    if days < 0:
        words = w.ngettext("Contract ended %(days)d day ago",
                           "Contract ended %(days)d days ago", -days) % {"days": -days}
        return 1.0, words, days
    if days == 0:
        return 1.0, w.gettext("Contract ends today"), 0
    words = w.ngettext("Contract ends in %(days)d day", "Contract ends in %(days)d days",
                       days) % {"days": days}
    return max(0.0, 1.0 - days / horizon), words, days


def _feedback(w: Words, facts: ContractFacts, scale: float) -> Found:
    if facts.feedback_score is None:
        return 0.0, w.gettext("No feedback yet"), None
    score = facts.feedback_score
    value = min(max((scale - score) / scale, 0.0), 1.0)
    return value, w.gettext("Last feedback %(score)s/%(scale)s") % {
        "score": _number(score), "scale": _number(scale)}, score


def _complaints(w: Words, facts: ContractFacts, window: int, full: int) -> Found:
    n = facts.complaints
    if not n:
        return 0.0, w.ngettext("No complaints in the last %(days)d day",
                               "No complaints in the last %(days)d days", window) % {
            "days": window}, 0
    words = (w.ngettext("%(count)d complaint", "%(count)d complaints", n) % {"count": n}
             + " " + w.ngettext("in the last %(days)d day", "in the last %(days)d days",
                                window) % {"days": window})
    return min(n / full, 1.0), words, n


def _inactivity(w: Words, facts: ContractFacts, as_of: date, full_ratio: float,
                default_rhythm: int) -> Found:
    if facts.last_active_day is None:
        return 0.0, w.gettext("No activity recorded yet"), None
    silent = max((as_of - facts.last_active_day).days, 0)
    own = facts.active_days >= MIN_ACTIVE_DAYS_FOR_RHYTHM and facts.median_gap
    rhythm = max(float(facts.median_gap), 1.0) if own else float(default_rhythm)
    value = min(max((silent / rhythm - 1.0) / (full_ratio - 1.0), 0.0), 1.0)
    usual = (w.gettext("usually every %(days)s days") if own
             else w.gettext("no rhythm of their own yet, %(days)s days assumed")) % {
        "days": _number(round(rhythm, 1))}
    if silent == 0:
        words = w.gettext("Active today; %(usual)s") % {"usual": usual}
    else:
        words = w.ngettext("No activity for %(days)d day; %(usual)s",
                           "No activity for %(days)d days; %(usual)s", silent) % {
            "days": silent, "usual": usual}
    return value, words, {"days_silent": silent, "usual_gap_days": round(rhythm, 1)}


def _cancellation(w: Words, facts: ContractFacts, as_of: date, window: int) -> Found:
    if facts.cancellation_at is None:
        return 0.0, w.ngettext("No cancellation request in the last %(days)d day",
                               "No cancellation request in the last %(days)d days",
                               window) % {
            "days": window}, None
    days = max((as_of - facts.cancellation_at.astimezone(UTC).date()).days, 0)
    words = (w.gettext("Asked to cancel today") if days == 0 else w.ngettext(
        "Asked to cancel %(days)d day ago", "Asked to cancel %(days)d days ago", days) % {
        "days": days})
    return 1.0, words, days


def rule_score(facts: ContractFacts, as_of: date, rules: InsightsSettings,
               w: Words | None = None) -> RuleScore:
    """Score = sum over signals of weight x value / sum of weights: each signal's points
    are its share, so the points add up to the score."""
    w = w or Words()
    found = {
        "contract_end": _contract_end(w, facts, as_of, rules.contract_horizon_days),
        "feedback": _feedback(w, facts, rules.feedback_scale),
        "complaints": _complaints(w, facts, rules.complaint_window_days,
                                  rules.complaints_full),
        "inactivity": _inactivity(w, facts, as_of, rules.inactivity_full_ratio,
                                  rules.default_rhythm_days),
        "cancellation": _cancellation(w, facts, as_of, rules.cancellation_window_days),
    }
    total = sum(float(rules.weights.get(name, 0)) for name in SIGNALS) or 1.0
    signals = []
    for name in SIGNALS:
        value, words, raw = found[name]
        weight = float(rules.weights.get(name, 0))
        signals.append(Signal(name, weight, value, weight * value / total, words, raw))
    score = min(max(sum(s.points for s in signals), 0.0), 1.0)
    signals.sort(key=lambda s: (-s.points, SIGNALS.index(s.signal)))
    return RuleScore(score, reason_for(w, signals), signals)


def reason_for(w: Words, signals: list[Signal]) -> str:
    """The two signals with the most points, as one sentence."""
    top = [s.words for s in signals if s.points > 0][:2]
    if not top:
        return w.gettext("No warning signs.")
    text = "; ".join([top[0], *(w[:1].lower() + w[1:] for w in top[1:])]) + "."
    return text[:200]


def contract_scores_write(as_of: date, now: datetime, rules: InsightsSettings, *,
                          customer_id: int | None = None,
                          batch_size: int | None = None) -> tuple[int, int]:
    """Score every contract customer (or just this one); returns (scored, crossings).

    Needs nothing from the purchase model, so churn_fit runs it beside the fit. Its
    crossings name no fit (`fit_id` null): the scoring run's time keeps their keys unique."""
    sql = _WRITE_SQL.format(customers=connection.ops.quote_name(Customer._meta.db_table),
                            breakdowns=connection.ops.quote_name(ChurnBreakdown._meta.db_table))
    scored = emitted = 0
    words = Words()
    run = now.isoformat()
    for lo, hi, batch in contract_facts(as_of, rules, customer_id=customer_id,
                                        batch_size=batch_size):
        results = [rule_score(facts, as_of, rules, words) for facts in batch]
        new_by_id = {f.customer_id: r.score for f, r in zip(batch, results, strict=True)}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_SCORES_TABLE_SQL)
            with cursor.copy("COPY insights_contract_scores FROM STDIN") as copy:
                for facts, result in zip(batch, results, strict=True):
                    copy.write_row((
                        facts.customer_id, result.score, result.reason,
                        json.dumps([s.as_dict() for s in result.signals],
                                   separators=(",", ":"), ensure_ascii=False),
                        json.dumps({s.signal: round(s.value, 4) for s in result.signals},
                                   separators=(",", ":")),
                    ))
            cursor.execute(sql, {"now": now, "as_of": as_of, "lo": lo, "hi": hi})
            events = []
            for cid, external_id, old_churn in cursor.fetchall():
                new = new_by_id[cid]
                for crossing in crossings_find((old_churn, None, ""), (new, None, ""), rules):
                    events.append(EventIn(
                        customer_external_id=external_id, type=CROSSED, occurred_at=now,
                        properties={"measure": crossing.measure, "old": crossing.old,
                                    "new": crossing.new, "threshold": crossing.threshold,
                                    "direction": crossing.direction, "fit_id": None,
                                    "score": "contract"},
                        idempotency_key=f"{CROSSED}:contract:{run}:{cid}:{crossing.measure}",
                    ))
            for chunk in range(0, len(events), 1_000):
                events_ingest(events[chunk:chunk + 1_000], source=EventSource.INTERNAL)
        scored += len(batch)
        emitted += len(events)
    return scored, emitted
