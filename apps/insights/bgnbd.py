"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

Pure numpy/scipy, no Django: the likelihood (eq. 6), P(alive) (Fader, Hardie & Lee,
note 021 "Computing P(alive) using the BG/NBD model") and the conditional expectation
E[Y(t) | x, t_x, T] (eq. 10). Inputs are
per-customer arrays in one time unit (Keepflow uses weeks = days / 7, as the paper); a
`weights` array lets identical (x, t_x, T) rows be counted once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

from apps.insights.optimize import log_likelihood_maximise


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class FitResult:
    params: BgNbdParams | None
    log_likelihood: float
    converged: bool
    reason: str


def bgnbd_log_likelihood_terms(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray,
                               T: np.ndarray) -> np.ndarray:
    """ln L_i of eq. 6: the first term for all customers, the second only where x > 0."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    repeat = x > 0
    a3 = np.full_like(a2, -np.inf)
    xr = x[repeat]
    a3[repeat] = (betaln(a + 1, b + xr - 1) - betaln(a, b)
                  - (r + xr) * np.log(alpha + t_x[repeat]))
    return a1 + np.logaddexp(a2, a3)


def bgnbd_fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
              weights: np.ndarray | None = None) -> FitResult:
    """Maximum likelihood on log-parameters (keeps them positive without bounds)."""
    if len(x) == 0:
        return FitResult(None, float("nan"), False, "no customers with purchases")
    w = np.ones_like(x, dtype=float) if weights is None else weights.astype(float)
    total = w.sum()
    if not np.any(x > 0):
        return FitResult(None, float("nan"), False,
                         "no customer has bought more than once yet")

    def log_likelihood(values: np.ndarray) -> float:
        return float(np.dot(w, bgnbd_log_likelihood_terms(BgNbdParams(*values), x, t_x, T)))

    values, ll, reason = log_likelihood_maximise(log_likelihood, np.zeros(4), total)
    if values is None:
        return FitResult(None, ll, False, reason)
    params = BgNbdParams(*(float(v) for v in values))
    if abs(params.a - 1.0) < 1e-9:
        return FitResult(None, ll, False, "a = 1 exactly: expected purchases are undefined")
    return FitResult(params, ll, True, "")


def _alive_odds(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray,
                T: np.ndarray) -> np.ndarray:
    """d(x>0) * a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x): P(alive) = 1 / (1 + this)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    odds = np.zeros(np.shape(x), dtype=float)
    repeat = x > 0
    xr = x[repeat]
    odds[repeat] = np.exp(np.log(a) - np.log(b + xr - 1)
                          + (r + xr) * (np.log(alpha + T[repeat])
                                        - np.log(alpha + t_x[repeat])))
    return odds


def bgnbd_p_alive(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray,
                  T: np.ndarray) -> np.ndarray:
    """P(alive | x, t_x, T) (FHL 2005, the appendix; Hardie note 021): 1 for x = 0."""
    return 1.0 / (1.0 + _alive_odds(params, x, t_x, T))


def bgnbd_expected(params: BgNbdParams, t: float, x: np.ndarray, t_x: np.ndarray,
                   T: np.ndarray) -> np.ndarray:
    """E[Y(t) | x, t_x, T] (eq. 10): expected purchases in the next t time units."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if t <= 0:
        return np.zeros(np.shape(x), dtype=float)
    z = t / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1)
    tail = 1.0 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) \
        * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return head * tail / (1.0 + _alive_odds(params, x, t_x, T))


def bgnbd_expected_new(params: BgNbdParams, t: float) -> float:
    """E[X(t)] (eq. 9) for a customer just acquired: the population curve."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + t)
    return float((a + b - 1) / (a - 1)
                 * (1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z)))


def bgnbd_simulate_purchases(params: BgNbdParams, T: np.ndarray,
                             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every repeat purchase of customers observed T units after their first, from the
    model's own story: lambda ~ Gamma(r, alpha), p ~ Beta(a, b), Poisson purchases at rate
    lambda, and after each repeat purchase the customer leaves with probability p.
    Returns (customer index, time since the first purchase), one entry per purchase."""
    n = len(T)
    lam = rng.gamma(params.r, 1.0 / params.alpha, n)
    p = rng.beta(params.a, params.b, n)
    owners, times = [], []
    clock = np.zeros(n, dtype=float)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        clock[idx] += rng.exponential(1.0 / lam[idx])
        bought = clock[idx] <= T[idx]
        hit = idx[bought]
        owners.append(hit)
        times.append(clock[hit])
        active[idx[~bought]] = False
        # Dropout happens right after a purchase (the BG in BG/NBD).
        active[hit[rng.random(len(hit)) < p[hit]]] = False
    return np.concatenate(owners), np.concatenate(times)


def bgnbd_simulate(params: BgNbdParams, T: np.ndarray,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(x, t_x) per customer, drawn as bgnbd_simulate_purchases does."""
    owners, times = bgnbd_simulate_purchases(params, T, rng)
    x = np.bincount(owners, minlength=len(T)).astype(np.int64)
    t_x = np.zeros(len(T), dtype=float)
    np.maximum.at(t_x, owners, times)
    return x, t_x
