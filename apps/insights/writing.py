"""Writing scores onto customers in batches, and the crossings they cause.

Each batch is one UPDATE that also returns the values it replaced, so crossings are
found without reading the customers first; the batch's churn_score.crossed events go
through the ordinary ingest path in the same transaction, handed on to the engine when
it commits (a published workflow with an event trigger on them starts runs). The same
statement adds a score-history point for each customer whose scores moved since their
previous point (see _UPDATE_SQL), so the history costs no extra pass over the customers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, EventSource
from apps.insights.models import InsightsSettings, ScorePoint
from apps.insights.rfm import PurchaseSummary
from apps.insights.scoring import Scores
from apps.insights.selectors import insights_settings_get

CROSSED = "churn_score.crossed"

# `last` is each customer's newest history point at or before this one (one probe of the
# (customer, at) index per customer); `point` stores the new scores only where there was
# none, the churn score or P(alive) moved by HISTORY_MIN_CHANGE, or the tier changed. A
# second fit with the same `at` (the same --as-of day again) replaces that day's point.
_UPDATE_SQL = """
WITH v AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(p_alive)s::float8[], %(expected)s::float8[],
                         %(clv)s::numeric[], %(churn)s::float8[], %(reason)s::text[],
                         %(tier)s::text[])
        AS v(id, p_alive, expected, clv, churn, reason, tier)
), old AS (
    SELECT c.id, c.external_id, c.churn_score, c.p_alive, c.tier,
           coalesce(c.attributes ->> %(contract_attr)s ~ %(contract_re)s, false) AS contract
    FROM {customers} AS c JOIN v ON v.id = c.id ORDER BY c.id FOR UPDATE OF c
), changed AS (
    UPDATE {customers} AS c
    SET p_alive = v.p_alive, expected_purchases_90d = v.expected, clv = round(v.clv, 2),
        churn_score = CASE WHEN old.contract THEN c.churn_score ELSE v.churn END,
        churn_reason = CASE WHEN old.contract THEN c.churn_reason ELSE v.reason END,
        tier = v.tier, scored_at = %(now)s
    FROM v JOIN old ON old.id = v.id WHERE c.id = v.id
), scored AS (
    -- The churn score a customer has after this write: a contract customer keeps the
    -- rule score (written before the model's scores, apps.insights.services).
    SELECT v.id, v.p_alive, v.clv, v.tier,
           CASE WHEN old.contract THEN coalesce(old.churn_score, v.churn) ELSE v.churn END
               AS churn
    FROM v JOIN old ON old.id = v.id
), last AS (
    SELECT s.id, p.churn_score, p.p_alive, p.tier
    FROM scored AS s LEFT JOIN LATERAL (
        SELECT h.churn_score, h.p_alive, h.tier FROM {points} AS h
        WHERE h.customer_id = s.id AND h.at <= %(at)s ORDER BY h.at DESC LIMIT 1
    ) AS p ON true
), point AS (
    INSERT INTO {points} AS h (customer_id, at, as_of, fit_id, churn_score, p_alive, clv,
                               tier)
    SELECT s.id, %(at)s, %(as_of)s, %(fit)s, s.churn, s.p_alive, round(s.clv, 2), s.tier
    FROM scored AS s JOIN last ON last.id = s.id
    WHERE last.churn_score IS NULL
       OR abs(s.churn - last.churn_score) >= %(min_change)s
       OR abs(s.p_alive - last.p_alive) >= %(min_change)s
       OR s.tier IS DISTINCT FROM last.tier
    ON CONFLICT (customer_id, at) DO UPDATE
    SET as_of = excluded.as_of, fit_id = excluded.fit_id, churn_score = excluded.churn_score,
        p_alive = excluded.p_alive, clv = excluded.clv, tier = excluded.tier
)
SELECT old.id, old.external_id, old.churn_score, old.p_alive, old.tier, old.contract
FROM old
"""
# Contract customers keep the rule score as their churn score (apps.insights.contracts);
# the model still gives them P(alive), expected purchases, CLV and the tier.
CONTRACT_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"


@dataclass(frozen=True)
class Crossing:
    measure: str  # churn_score, p_alive or tier
    old: Any
    new: Any
    threshold: float | None
    direction: str  # up or down (for tier: up when the new tier ranks higher)


def crossings_find(old: tuple[Any, Any, str], new: tuple[Any, Any, str],
                   cfg: InsightsSettings | None = None) -> list[Crossing]:
    """The thresholds passed between two scorings. Nothing is crossed on a first scoring
    (old values empty): the first fit would otherwise alert about every customer."""
    cfg = cfg or insights_settings_get()
    old_churn, old_alive, old_tier = old
    churn, alive, tier = new
    found = []
    limit = cfg.churn_score_threshold
    if old_churn is not None and (old_churn < limit) != (churn < limit):
        found.append(Crossing("churn_score", round(old_churn, 4), round(churn, 4), limit,
                              "up" if churn >= limit else "down"))
    limit = cfg.p_alive_threshold
    if old_alive is not None and (old_alive < limit) != (alive < limit):
        found.append(Crossing("p_alive", round(old_alive, 4), round(alive, 4), limit,
                              "down" if alive < limit else "up"))
    if old_tier and tier and old_tier != tier:
        rank = [name for name, _ in cfg.tiers]
        higher = tier in rank and old_tier in rank and rank.index(tier) < rank.index(old_tier)
        found.append(Crossing("tier", old_tier, tier, None, "up" if higher else "down"))
    return found


def scores_write(fit_id: int, summary: PurchaseSummary, scores: Scores, now: datetime,
                 *, batch_size: int | None = None, as_of: date | None = None,
                 at: datetime | None = None, emit: bool = True,
                 cfg: InsightsSettings | None = None) -> int:
    """Store the scores and the history points they make (dated `at`, default `now`);
    returns how many churn_score.crossed events were emitted (none with `emit` off: a
    history backfill must not alert about the past)."""
    batch = batch_size or settings.KEEPFLOW_INSIGHTS["BATCH_SIZE"]
    cfg = cfg or insights_settings_get()
    quote = connection.ops.quote_name
    sql = _UPDATE_SQL.format(customers=quote(Customer._meta.db_table),
                             points=quote(ScorePoint._meta.db_table))
    # A hair below the setting: 0.52 - 0.51 is 0.00999... in floating point.
    min_change = settings.KEEPFLOW_INSIGHTS["HISTORY_MIN_CHANGE"] - 1e-9
    clv = np.where(np.isfinite(scores.clv), scores.clv, np.nan)
    emitted = 0
    for start in range(0, len(summary), batch):
        part = slice(start, start + batch)
        params = {
            "ids": summary.customer_id[part].tolist(),
            "p_alive": scores.p_alive[part].tolist(),
            "expected": scores.expected_90d[part].tolist(),
            "clv": [None if np.isnan(v) else v for v in clv[part].tolist()],
            "churn": scores.churn_score[part].tolist(),
            "reason": scores.reasons[part],
            "tier": scores.tiers[part],
            "now": now,
            "at": at or now,
            "as_of": as_of or now.date(),
            "fit": fit_id,
            "min_change": min_change,
            "contract_attr": cfg.contract_attribute,
            "contract_re": CONTRACT_DATE_RE,
        }
        new_by_id = {cid: i for i, cid in enumerate(params["ids"])}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            events = []
            for cid, external_id, old_churn, old_alive, old_tier, contract in (
                    cursor.fetchall() if emit else []):
                i = new_by_id[cid]
                churn = old_churn if contract else params["churn"][i]  # the rule score's
                new = (churn, params["p_alive"][i], params["tier"][i])
                for crossing in crossings_find((old_churn, old_alive, old_tier), new, cfg):
                    events.append(EventIn(
                        customer_external_id=external_id, type=CROSSED, occurred_at=now,
                        properties={"measure": crossing.measure, "old": crossing.old,
                                    "new": crossing.new, "threshold": crossing.threshold,
                                    "direction": crossing.direction, "fit_id": fit_id},
                        idempotency_key=f"{CROSSED}:{fit_id}:{cid}:{crossing.measure}",
                    ))
            for chunk in range(0, len(events), 1_000):
                events_ingest(events[chunk:chunk + 1_000], source=EventSource.INTERNAL)
            emitted += len(events)
    return emitted
