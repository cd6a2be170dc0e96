"""The models on their own: parameters recovered from data simulated by the model itself
(fixed seeds, so it passes everywhere), and the properties the papers state."""

from __future__ import annotations

import numpy as np
import pytest

from apps.insights.bgnbd import (
    BgNbdParams,
    bgnbd_expected,
    bgnbd_fit,
    bgnbd_p_alive,
    bgnbd_simulate,
)
from apps.insights.gamma_gamma import (
    GammaGammaParams,
    gamma_gamma_expected_spend,
    gamma_gamma_fit,
    gamma_gamma_simulate,
)

TRUE_BG = BgNbdParams(r=0.5, alpha=6.0, a=0.7, b=3.0)
TRUE_GG = GammaGammaParams(p=6.0, q=4.0, gamma=15.0)


def simulated(seed: int, n: int = 20_000) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    T = rng.uniform(52, 104, n)  # one to two years of history, in weeks
    x, t_x = bgnbd_simulate(TRUE_BG, T, rng)
    zbar = gamma_gamma_simulate(TRUE_GG, x, rng)
    return x.astype(float), t_x, T, zbar


@pytest.mark.parametrize("seed", [1, 2])
def test_bgnbd_recovers_simulated_parameters(seed) -> None:
    x, t_x, T, _ = simulated(seed)

    fit = bgnbd_fit(x, t_x, T)

    assert fit.converged, fit.reason
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fit.params, name) == pytest.approx(getattr(TRUE_BG, name), rel=0.1), name


@pytest.mark.parametrize("seed", [1, 2])
def test_gamma_gamma_recovers_simulated_parameters(seed) -> None:
    x, _, _, zbar = simulated(seed)

    fit = gamma_gamma_fit(x, zbar)

    assert fit.converged, fit.reason
    for name in ("p", "q", "gamma"):
        assert getattr(fit.params, name) == pytest.approx(getattr(TRUE_GG, name), rel=0.1), name


def test_compressed_rows_with_weights_give_the_same_fit() -> None:
    x, t_x, T, _ = simulated(3, n=3_000)
    t_x, T = np.round(t_x * 7) / 7, np.round(T * 7) / 7  # whole days, as stored
    table = np.stack([x, t_x, T], axis=1)
    unique, counts = np.unique(table, axis=0, return_counts=True)

    full = bgnbd_fit(x, t_x, T)
    weighted = bgnbd_fit(unique[:, 0], unique[:, 1], unique[:, 2], counts)

    assert len(unique) < len(x)
    assert weighted.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-9)
    assert weighted.params.r == pytest.approx(full.params.r, rel=1e-4)


def test_expected_purchases_match_a_simulated_holdout() -> None:
    # Given customers simulated for 104 weeks, fitted on the first 52
    rng = np.random.default_rng(4)
    n = 20_000
    lam = rng.gamma(TRUE_BG.r, 1 / TRUE_BG.alpha, n)
    p = rng.beta(TRUE_BG.a, TRUE_BG.b, n)
    cal_x, cal_t, hold = np.zeros(n), np.zeros(n), np.zeros(n)
    for i in range(n):
        clock, alive = 0.0, True
        while alive:
            clock += rng.exponential(1 / lam[i])
            if clock > 104:
                break
            if clock <= 52:
                cal_x[i], cal_t[i] = cal_x[i] + 1, clock
            else:
                hold[i] += 1
            alive = rng.random() >= p[i]
    T = np.full(n, 52.0)

    expected = bgnbd_expected(TRUE_BG, 52, cal_x, cal_t, T)

    # Then the conditional expectation (eq. 10) predicts the holdout total within 3 %
    assert expected.sum() == pytest.approx(hold.sum(), rel=0.03)


def test_p_alive_is_one_without_repeat_purchases_and_falls_with_silence() -> None:
    x = np.array([0.0, 3.0, 3.0])
    t_x = np.array([0.0, 10.0, 30.0])
    T = np.full(3, 40.0)

    alive = bgnbd_p_alive(TRUE_BG, x, t_x, T)

    assert alive[0] == 1.0
    assert alive[1] < alive[2] < 1.0


def test_expected_spend_is_the_population_mean_without_repeats() -> None:
    spend = gamma_gamma_expected_spend(TRUE_GG, np.array([0.0, 10.0]), np.array([0.0, 100.0]))

    assert spend[0] == pytest.approx(TRUE_GG.population_mean)
    assert TRUE_GG.population_mean < spend[1] < 100.0  # shrunk towards the mean


@pytest.mark.parametrize(("case", "x", "t_x", "T", "reason"), [
    ("no customers", [], [], [], "no customers with purchases"),
    ("no repeat purchase", [0.0, 0.0], [0.0, 0.0], [10.0, 20.0],
     "no customer has bought more than once yet"),
])
def test_bgnbd_fit_that_cannot_run_says_why(case, x, t_x, T, reason) -> None:
    fit = bgnbd_fit(np.array(x), np.array(t_x), np.array(T))

    assert (fit.converged, fit.params, fit.reason) == (False, None, reason)


def test_gamma_gamma_needs_paid_repeat_purchases() -> None:
    fit = gamma_gamma_fit(np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.0, 10.0]))

    assert (fit.converged, fit.reason) == (False, "fewer than 3 customers with a paid "
                                                  "repeat purchase")
