"""Fitting the models on the installation's purchases and scoring every customer."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any, TypeVar

import numpy as np
from django.db import connection
from django.utils import timezone

from apps.insights.bgnbd import BgNbdParams, bgnbd_fit
from apps.insights.contracts import contract_scores_write
from apps.insights.gamma_gamma import GammaGammaParams, gamma_gamma_fit
from apps.insights.models import InsightsSettings, ModelFit, ScorePoint
from apps.insights.rfm import PurchaseSummary, purchase_summary
from apps.insights.scoring import DAYS_PER_UNIT, repeat_gap_percentiles, scores_compute
from apps.insights.selectors import insights_settings_get
from apps.insights.writing import scores_write

logger = logging.getLogger(__name__)


def _compressed(summary: PurchaseSummary) -> tuple[np.ndarray, ...]:
    """Identical (x, t_x, T) rows once, with a count: whole days make them repeat a lot,
    so a million customers shrink to far fewer likelihood terms."""
    table = np.stack([summary.x, summary.t_x, summary.age], axis=1)
    unique, counts = np.unique(table, axis=0, return_counts=True)
    return unique[:, 0], unique[:, 1] / DAYS_PER_UNIT, unique[:, 2] / DAYS_PER_UNIT, counts


def history_at(as_of: date, now: datetime) -> datetime:
    """When a fit's scores held, for the score history: now for a fit on today's data; noon
    UTC of an earlier --as-of day (its local date is that day from UTC-11 to UTC+11), so a
    loop of --as-of fits draws the history of those days, not of the day it ran."""
    return now if as_of >= now.date() else datetime.combine(as_of, day_time(12), tzinfo=UTC)


def churn_fit(as_of: date | None = None, *, backfill_weeks: int = 0) -> ModelFit:
    """Fit BG/NBD and Gamma-Gamma on the purchases up to `as_of` (today by default) and
    score the customers, as if it were that day. A fit that does not converge is stored
    with its reason and scores nothing: the previous model stays current. Every contract
    customer gets the rule score first, whether the model converged or not, so the model's
    write (which leaves a contract customer's churn score alone) records it in the history.

    `backfill_weeks`: while there is no score history at all (a new installation, the
    demo), first score each of that many weeks before `as_of` with this fit's model, so
    the history chart starts with a past; no crossing events for those nor for this first
    scoring."""
    started = time.monotonic()
    cfg = insights_settings_get()
    phases: dict[str, float] = {}
    now = timezone.now()
    as_of = as_of or now.date()
    contract_scores = _beside(lambda: contract_scores_write(as_of, now, cfg))
    marks = [time.monotonic()]  # inside a transaction the rule score is done by now
    summary = purchase_summary(as_of)

    phases["summary"] = lap(marks)
    x, t_x, T, counts = _compressed(summary)
    bg = bgnbd_fit(x, t_x, T, counts)
    gg = gamma_gamma_fit(summary.x, summary.zbar)
    phases["fit"] = lap(marks)
    fit = ModelFit(
        fitted_at=now, as_of=as_of, customers=len(summary),
        repeat_customers=int((summary.x > 0).sum()), converged=bg.converged,
        reason=bg.reason,
        log_likelihood=bg.log_likelihood if np.isfinite(bg.log_likelihood) else None,
        repeat_gap_percentiles=repeat_gap_percentiles(summary),
    )
    if bg.params is not None:
        fit.r, fit.alpha, fit.a, fit.b = bg.params.r, bg.params.alpha, bg.params.a, bg.params.b
    if gg.params is not None:
        fit.p, fit.q, fit.gamma = gg.params.p, gg.params.q, gg.params.gamma
        fit.spend_log_likelihood = gg.log_likelihood
    elif bg.converged:
        logger.warning("insights: spend model not fitted (%s); CLV left empty", gg.reason)
    fit.save()
    lap(marks)
    (fit.contract_customers, _emitted), phases["contract"] = contract_scores()
    phases["contract_wait"] = lap(marks)  # what the rule score took beyond the summary and fit
    if bg.converged:
        scores, cuts = scores_compute(bg.params, gg.params, summary, fit.repeat_gap_percentiles,
                                      cfg.tiers)
        fit.tier_cuts = cuts
        phases["score"] = lap(marks)
        backfilled = (backfill_weeks > 0 and not ScorePoint.objects.exists()
                      and _history_backfill(fit, bg.params, gg.params, as_of, now,
                                            backfill_weeks, cfg))
        scores_write(fit.pk, summary, scores, now, as_of=as_of, at=history_at(as_of, now),
                     emit=not backfilled, cfg=cfg)
        phases["write"] = lap(marks)
    else:
        logger.warning("insights: fit as of %s did not converge (%s); the previous model "
                       "stays", as_of, bg.reason)
    fit.seconds, fit.phase_seconds = time.monotonic() - started, phases
    fit.save(update_fields=["tier_cuts", "contract_customers", "seconds", "phase_seconds"])
    return fit


R = TypeVar("R")


def lap(marks: list[float]) -> float:
    """Seconds since the last mark (a new mark is set): the main thread's phases in turn."""
    marks.append(time.monotonic())
    return round(marks[-1] - marks[-2], 2)


def _beside(work: Callable[[], R]) -> Callable[[], tuple[R, float]]:
    """Start `work` in a thread of its own, on its own database connection, and return a
    wait for (its result, its seconds). The contract customers' rule score needs nothing
    from the purchase model, so on two cores it runs while PostgreSQL summarises and numpy
    fits (most of which let go of the GIL). Inside a transaction (a test's) a second
    connection would not see its rows: then the work is done here and now."""

    def timed() -> tuple[R, float]:
        began = time.monotonic()
        try:
            return work(), round(time.monotonic() - began, 2)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()  # this thread's own connection

    if connection.in_atomic_block:
        done = timed()
        return lambda: done
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="insights-contracts")
    future = pool.submit(timed)
    pool.shutdown(wait=False)  # the thread ends with the work
    return future.result


def _history_backfill(fit: ModelFit, bg: BgNbdParams, gg: GammaGammaParams | None,
                      as_of: date, now: datetime, weeks: int, cfg: InsightsSettings) -> bool:
    """Score the weeks before `as_of`, oldest first, with this fit's model: one fit instead
    of one per week (fast, and an early week with too few repeat purchases to fit alone
    still gets its scores). Each week's purchases only, as if it were that day."""
    for week in range(weeks, 0, -1):
        day = as_of - timedelta(weeks=week)
        summary = purchase_summary(day)
        if not len(summary):
            continue
        scores, _ = scores_compute(bg, gg, summary, fit.repeat_gap_percentiles, cfg.tiers)
        scores_write(fit.pk, summary, scores, now, as_of=day, at=history_at(day, now),
                     emit=False, cfg=cfg)
    return True


def insights_settings_update(changes: dict, user: Any | None) -> InsightsSettings:
    """Save the settings page: the fields given change, the others keep their value (the
    environment's until the first save). Takes effect at the next scoring."""
    current = insights_settings_get()
    for field, value in changes.items():
        if field == "tiers":
            value = [[tier["name"], tier["percentile"]] for tier in value]
        elif field == "weights":
            value = {**current.weights, **value}  # a client may send only some
        setattr(current, field, value)
    current.updated_at = timezone.now()
    current.updated_by = user if getattr(user, "pk", None) else None
    current.save()
    return current
