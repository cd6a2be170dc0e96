"""Scores per customer from a fitted model and the purchase summary: P(alive), expected
purchases in 90 days, CLV, churn score with a plain-words reason, and the CLV tier.
Vectorised over all customers; no database access."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.insights.bgnbd import BgNbdParams, bgnbd_expected, bgnbd_p_alive
from apps.insights.gamma_gamma import GammaGammaParams, gamma_gamma_expected_spend
from apps.insights.rfm import PurchaseSummary

DAYS_PER_UNIT = 7.0  # the models' time unit is the week, as in the papers
CLV_STEP_DAYS = 30.0


@dataclass
class Scores:
    p_alive: np.ndarray
    expected_90d: np.ndarray
    clv: np.ndarray
    churn_score: np.ndarray
    reasons: list[str]
    tiers: list[str]


def repeat_gap_percentiles(summary: PurchaseSummary) -> list[float]:
    """Percentiles 0..100 of the days from first to second purchase among repeaters."""
    gaps = summary.first_gap[summary.x > 0]
    if not len(gaps):
        return []
    return [float(v) for v in np.percentile(gaps, np.arange(101))]


def one_time_buyer_risk(age_days: np.ndarray, percentiles: list[float]) -> np.ndarray:
    """The share of returning customers who had come back by this age: a one-time buyer
    older than most customers' return time is probably gone (BG/NBD says P(alive)=1)."""
    if not percentiles:
        return np.zeros_like(age_days, dtype=float)
    grid = np.asarray(percentiles)
    # np.interp on the percentile table is the empirical CDF, flat ties handled right.
    share = np.interp(age_days, grid, np.arange(101) / 100.0, left=0.0, right=1.0)
    return np.clip(share, 0.0, 1.0)


def expected_purchases(bg: BgNbdParams, summary: PurchaseSummary, days: float) -> np.ndarray:
    """E[Y(t) | x, t_x, T] with t, t_x and T converted from days to weeks."""
    return bgnbd_expected(bg, days / DAYS_PER_UNIT, summary.x,
                          summary.t_x / DAYS_PER_UNIT, summary.age / DAYS_PER_UNIT)


def clv_values(bg: BgNbdParams, gg: GammaGammaParams | None,
               summary: PurchaseSummary) -> np.ndarray:
    """sum over 30-day steps of the expected purchases in the step, discounted monthly, times
    the expected spend per purchase (Gamma-Gamma): a discrete form of FHL 2005 JMR eq. 6."""
    if gg is None:
        return np.full(len(summary), np.nan)
    cfg = settings.KEEPFLOW_INSIGHTS
    monthly = (1.0 + cfg["CLV_DISCOUNT_RATE"]) ** (CLV_STEP_DAYS / 365.0) - 1.0
    T = summary.age / DAYS_PER_UNIT
    t_x = summary.t_x / DAYS_PER_UNIT
    previous = np.zeros(len(summary))
    discounted = np.zeros(len(summary))
    for step in range(1, cfg["CLV_HORIZON_MONTHS"] + 1):
        current = bgnbd_expected(bg, step * CLV_STEP_DAYS / DAYS_PER_UNIT, summary.x, t_x, T)
        discounted += (current - previous) / (1.0 + monthly) ** step
        previous = current
    return discounted * gamma_gamma_expected_spend(gg, summary.x, summary.zbar)


def tier_cuts(clv: np.ndarray, tiers: list | None = None) -> list[list]:
    """[[tier, lowest CLV of the tier], ...], highest tier first; `tiers` as
    [[name, percentile], ...] (the settings page's, else the environment's)."""
    finite = clv[np.isfinite(clv)]
    if not len(finite):
        return []
    return [[name, float(np.quantile(finite, share))]
            for name, share in (tiers or settings.KEEPFLOW_INSIGHTS["TIERS"])]


def tiers_for(clv: np.ndarray, cuts: list[list]) -> list[str]:
    if not cuts:
        return [""] * len(clv)
    names = np.array([name for name, _ in cuts] + [""], dtype=object)
    # The first (highest) cut the CLV reaches; cuts are descending.
    bounds = np.array([cut for _, cut in cuts])
    index = np.argmax(np.nan_to_num(clv, nan=-np.inf)[:, None] >= bounds[None, :], axis=1)
    reached = np.nan_to_num(clv, nan=-np.inf) >= bounds[-1]
    return list(np.where(reached, names[index], ""))


def reasons_for(summary: PurchaseSummary, score: np.ndarray, one_time: np.ndarray) -> list[str]:
    """One short sentence per customer saying what the score rests on."""
    reasons = []
    for x, t_x, age, s, single in zip(summary.x.tolist(), summary.t_x.tolist(),
                                      summary.age.tolist(), score.tolist(),
                                      one_time.tolist(), strict=True):
        if single:
            reasons.append(_("One purchase, %(days)d days ago; %(share)d%% of customers who "
                             "came back did so sooner.") % {"days": age, "share": round(s * 100)})
        elif age == t_x:
            reasons.append(_("%(count)d purchases, about every %(every)d days; the last one "
                             "today.") % {"count": x + 1, "every": max(round(t_x / x), 1)})
        else:
            reasons.append(ngettext(
                "%(count)d purchases, about every %(every)d days; the last one %(days)d day ago.",
                "%(count)d purchases, about every %(every)d days; the last one %(days)d days ago.",
                int(age - t_x)) % {"count": x + 1, "every": max(round(t_x / x), 1),
                                   "days": age - t_x})
    return reasons


def scores_compute(bg: BgNbdParams, gg: GammaGammaParams | None, summary: PurchaseSummary,
                   percentiles: list[float],
                   tiers: list | None = None) -> tuple[Scores, list[list]]:
    T = summary.age / DAYS_PER_UNIT
    t_x = summary.t_x / DAYS_PER_UNIT
    p_alive = bgnbd_p_alive(bg, summary.x, t_x, T)
    one_time = summary.x == 0
    churn = np.where(one_time, one_time_buyer_risk(summary.age, percentiles), 1.0 - p_alive)
    clv = clv_values(bg, gg, summary)
    cuts = tier_cuts(clv, tiers)
    return Scores(
        p_alive=p_alive,
        expected_90d=expected_purchases(bg, summary, 90.0),
        clv=clv,
        churn_score=churn,
        reasons=reasons_for(summary, churn, one_time),
        tiers=tiers_for(clv, cuts),
    ), cuts
