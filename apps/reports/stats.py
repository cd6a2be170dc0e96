"""The statistics of a workflow report, as pure functions (no Django): conversion rates
with Wilson score intervals, the difference of two proportions with Newcombe's hybrid
score interval, a p-value, the sample a test of the observed effect needs, the
incremental value with its interval, and the verdict in plain words.

Every number these return is finite or None: the API never shows NaN or infinity.

References: E. B. Wilson (1927), "Probable inference, the law of succession, and
statistical inference"; R. G. Newcombe (1998), "Interval estimation for the difference
between independent proportions: comparison of eleven methods", Statistics in Medicine
17, 873-890 (method 10); J. L. Fleiss, Statistical Methods for Rates and Proportions,
the sample size for comparing two proportions with unequal groups.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

from scipy import stats as sps

ALPHA = 0.05
POWER = 0.80
Z = float(sps.norm.ppf(1 - ALPHA / 2))  # 1.959964…
Z_POWER = float(sps.norm.ppf(POWER))  # 0.841621…
# Below this expected count in any cell of the 2x2 table the normal approximation of the
# z-test is poor, and Fisher's exact test gives the p-value instead (Cochran's rule).
FISHER_BELOW = 5.0
# A difference interval wider than this (20 pp) is too vague to call "no effect".
WIDE = 0.20
# A difference interval narrower than this (2 pp) is precise enough to say "no measurable
# effect" even if a tinier effect could still be found with (many) more customers.
PRECISE = 0.02


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson_interval(successes: int, total: int, z: float = Z) -> Interval:
    """The Wilson score interval of a proportion: unlike p ± z·√(p(1-p)/n) it stays in
    [0, 1] and is not empty at 0 or n successes. No customers: the whole of [0, 1]."""
    if total <= 0:
        return Interval(0.0, 1.0)
    p = successes / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, z: float = Z) -> Interval:
    """Newcombe's hybrid score interval (his method 10) for p1 - p2, built from the two
    Wilson intervals: L = d - √((p1 - l1)² + (u2 - p2)²), U = d + √((u1 - p1)² + (p2 - l2)²).
    Good coverage for small samples and rates near 0 or 1, where the simple Wald
    interval fails."""
    if n1 <= 0 or n2 <= 0:
        return Interval(-1.0, 1.0)
    p1, p2 = x1 / n1, x2 / n2
    w1, w2 = wilson_interval(x1, n1, z), wilson_interval(x2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2)
    high = d + math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2)
    return Interval(max(-1.0, low), min(1.0, high))


PValueTest = Literal["z_test", "fisher_exact"]


def two_proportion_p_value(x1: int, n1: int, x2: int, n2: int) -> tuple[float, PValueTest]:
    """Two-sided p-value for "the rates differ": the pooled two-proportion z-test, or
    Fisher's exact test when an expected cell count is below 5 (small samples or rare
    conversions). Both groups empty, or no variation at all: 1.0."""
    if n1 <= 0 or n2 <= 0:
        return 1.0, "z_test"
    total, converted = n1 + n2, x1 + x2
    expected = [n * share for n in (n1, n2)
                for share in (converted / total, (total - converted) / total)]
    if min(expected) < FISHER_BELOW:
        _, p = sps.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="two-sided")
        return min(1.0, float(p)), "fisher_exact"
    pooled = converted / total
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0, "z_test"
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * sps.norm.sf(abs(z))), "z_test"


def sample_size_needed(p1: float, p2: float, ratio: float) -> int | None:
    """Customers (both groups together) a two-sided test at alpha = 0.05 needs to detect the
    difference p1 - p2 with 80 % power, with `ratio` treated customers per control
    customer (Fleiss, unequal groups):

        n_control = (z_alpha/2·√(p̄q̄(1 + 1/k)) + z_beta·√(p1q1/k + p2q2))² / (p1 - p2)²,
        p̄ = (k·p1 + p2)/(1 + k), total = n_control·(1 + k).

    None when there is no difference to detect (it would take infinitely many)."""
    delta = p1 - p2
    if delta == 0 or ratio <= 0:
        return None
    k = ratio
    pbar = (k * p1 + p2) / (1 + k)
    a = Z * math.sqrt(pbar * (1 - pbar) * (1 + 1 / k))
    b = Z_POWER * math.sqrt(p1 * (1 - p1) / k + p2 * (1 - p2))
    n_control = (a + b) ** 2 / delta ** 2
    total = n_control * (1 + k)
    if not math.isfinite(total):
        return None
    return math.ceil(total)


@dataclass(frozen=True)
class GroupCounts:
    customers: int
    converted: int
    value: float = 0.0  # sum over customers of their goal value
    value_squares: float = 0.0  # sum over customers of (their goal value)²


VerdictKind = Literal["no_data", "no_control", "not_enough_data", "no_effect", "lift",
                      "drop"]


@dataclass(frozen=True)
class Lift:
    treatment_rate: float | None
    control_rate: float | None
    treatment_ci: Interval | None
    control_ci: Interval | None
    absolute: float | None  # treatment rate - control rate (a share: 0.05 = 5 pp)
    absolute_ci: Interval | None
    relative: float | None  # absolute / control rate
    p_value: float | None
    test: PValueTest | None
    needed_customers: int | None  # for the observed effect at 80 % power
    more_customers: int | None  # needed_customers - customers so far (≥ 0)
    verdict: VerdictKind
    verdict_text: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def lift_compute(treatment: GroupCounts, control: GroupCounts) -> Lift:
    """The comparison of treated customers with the control group, and its verdict."""
    nt, xt, nc, xc = treatment.customers, treatment.converted, control.customers, control.converted
    rate_t = xt / nt if nt else None
    rate_c = xc / nc if nc else None
    ci_t = wilson_interval(xt, nt) if nt else None
    ci_c = wilson_interval(xc, nc) if nc else None
    if not nt and not nc:
        return Lift(None, None, None, None, None, None, None, None, None, None, None,
                    "no_data", "nobody has entered this workflow in this period")
    if not nc or not nt:
        text = ("no control group: set one in settings to measure the effect" if not nc
                else "everyone who entered was held out: nobody was treated")
        return Lift(rate_t, rate_c, ci_t, ci_c, None, None, None, None, None, None, None,
                    "no_control", text)
    assert rate_t is not None and rate_c is not None
    absolute = rate_t - rate_c
    ci = newcombe_interval(xt, nt, xc, nc)
    relative = _finite(absolute / rate_c) if rate_c else None
    p_value, test = two_proportion_p_value(xt, nt, xc, nc)
    needed = sample_size_needed(rate_t, rate_c, nt / nc)
    more = max(0, needed - (nt + nc)) if needed is not None else None
    significant = p_value < ALPHA and (ci.low > 0 or ci.high < 0)
    kind: VerdictKind
    if significant:
        kind = "lift" if absolute > 0 else "drop"
        verb = "lifts" if absolute > 0 else "lowers"
        text = (f"{verb} conversions by {abs(absolute) * 100:.1f} pp "
                f"(95 % CI {ci.low * 100:.1f} to {ci.high * 100:.1f} pp)")
    elif xt + xc == 0:
        kind, text = "not_enough_data", "not enough data yet: no conversions so far"
    elif more and ci.high - ci.low > PRECISE:
        kind = "not_enough_data"
        text = (f"not enough data yet (need about {_round_up(more):,} more customers "
                f"for this effect)")
    elif ci.high - ci.low > WIDE:
        # No difference seen, but the interval still allows a large one either way.
        kind = "not_enough_data"
        text = (f"not enough data yet (the effect could be anywhere from "
                f"{ci.low * 100:.1f} to {ci.high * 100:.1f} pp)")
    else:
        kind, text = "no_effect", "no measurable effect"
    return Lift(rate_t, rate_c, ci_t, ci_c, absolute, ci, relative, p_value, test,
                needed, more, kind, text)


def _round_up(n: int) -> int:
    """A sample size to two significant figures, rounded up (about 1,300, not 1,287)."""
    if n < 100:
        return n
    step = 10 ** (len(str(n)) - 2)
    return -(-n // step) * step


@dataclass(frozen=True)
class ValueLift:
    treatment_mean: float | None  # goal value per treated customer
    control_mean: float | None
    per_customer: float | None  # difference of the means
    per_customer_ci: Interval | None
    incremental: float | None  # per_customer x treated customers
    incremental_ci: Interval | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def value_lift(treatment: GroupCounts, control: GroupCounts) -> ValueLift:
    """Incremental value: (mean value per treated customer - mean per control customer) x
    treated customers, counting customers who did not convert as 0. Its 95 % interval is
    the normal approximation with unequal variances (Welch): per_customer ± 1.96·√(s_t²/n_t
    + s_c²/n_c), which holds for the sums of many customers' values even though one
    customer's value is far from normal; with fewer than 2 customers in a group there is
    no interval."""
    nt, nc = treatment.customers, control.customers
    mean_t = treatment.value / nt if nt else None
    mean_c = control.value / nc if nc else None
    if mean_t is None or mean_c is None:
        return ValueLift(_finite(mean_t), _finite(mean_c), None, None, None, None)
    diff = mean_t - mean_c
    ci = None
    incremental_ci = None
    if nt >= 2 and nc >= 2:
        se = math.sqrt(_variance(treatment) / nt + _variance(control) / nc)
        ci = Interval(diff - Z * se, diff + Z * se)
        incremental_ci = Interval(ci.low * nt, ci.high * nt)
    return ValueLift(_finite(mean_t), _finite(mean_c), _finite(diff), ci,
                     _finite(diff * nt), incremental_ci)


def _variance(group: GroupCounts) -> float:
    """The sample variance of per-customer values from their sum and sum of squares."""
    n = group.customers
    mean = group.value / n
    return max(0.0, (group.value_squares - n * mean * mean) / (n - 1))
