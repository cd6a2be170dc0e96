"""Honest intervals: over many simulated campaigns with a known lift, the 95 % interval
of the report contains the true lift about 95 % of the time, and the verdict claims a
lift where there is none about 5 % of the time at most (seeded, so deterministic)."""

from __future__ import annotations

import numpy as np
import pytest

from apps.reports.stats import GroupCounts, lift_compute, newcombe_interval

CAMPAIGNS = 2_000


@pytest.mark.parametrize(("n_treated", "n_control", "p_treated", "p_control"), [
    pytest.param(800, 200, 0.16, 0.10, id="20%-control-6pp"),
    pytest.param(90, 10, 0.30, 0.20, id="tiny-control"),
    pytest.param(2000, 500, 0.02, 0.01, id="rare-conversions"),
])
def test_the_interval_covers_the_true_lift_95_percent_of_the_time(
        n_treated, n_control, p_treated, p_control) -> None:
    rng = np.random.default_rng(2026)
    treated = rng.binomial(n_treated, p_treated, CAMPAIGNS)
    control = rng.binomial(n_control, p_control, CAMPAIGNS)
    true_lift = p_treated - p_control
    covered = 0
    for x_t, x_c in zip(treated, control, strict=True):
        interval = newcombe_interval(int(x_t), n_treated, int(x_c), n_control)
        covered += interval.low <= true_lift <= interval.high
    # Binomial(2000, 0.95) lies within ±1.5 points about 99.8 % of the time; Newcombe's
    # method errs slightly on the safe side for small groups.
    assert 0.935 <= covered / CAMPAIGNS <= 0.985


def test_no_true_effect_is_rarely_called_a_lift() -> None:
    rng = np.random.default_rng(7)
    treated = rng.binomial(800, 0.12, CAMPAIGNS)
    control = rng.binomial(200, 0.12, CAMPAIGNS)
    claims = sum(lift_compute(GroupCounts(800, int(t)), GroupCounts(200, int(c))).verdict
                 in ("lift", "drop") for t, c in zip(treated, control, strict=True))
    assert claims / CAMPAIGNS <= 0.06
