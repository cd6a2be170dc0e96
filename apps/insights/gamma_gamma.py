"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV", JMR; Fader &
Hardie 2013, note 025). Pure numpy/scipy: the likelihood of a customer's mean repeat
spend z̄ over x transactions, and the conditional expected spend given x and z̄ (the
weighted mean of the population mean and the customer's own)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from apps.insights.optimize import log_likelihood_maximise


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float

    @property
    def population_mean(self) -> float:
        """E(Z) = pgamma/(q-1): the spend expected of a customer with no repeat purchase."""
        return self.p * self.gamma / (self.q - 1)


@dataclass(frozen=True)
class GammaGammaFit:
    params: GammaGammaParams | None
    log_likelihood: float
    converged: bool
    reason: str


def gamma_gamma_log_likelihood_terms(params: GammaGammaParams, x: np.ndarray,
                                     zbar: np.ndarray) -> np.ndarray:
    """ln f(z̄ | p, q, gamma; x) = ln G(px+q) - ln G(px) - ln G(q) + q ln gamma + (px-1) ln z̄
    + px ln x - (px+q) ln(gamma + x z̄)."""
    p, q, g = params.p, params.q, params.gamma
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
            + (px - 1) * np.log(zbar) + px * np.log(x) - (px + q) * np.log(g + x * zbar))


def gamma_gamma_fit(x: np.ndarray, zbar: np.ndarray) -> GammaGammaFit:
    """Fit on repeat customers only (x > 0, z̄ > 0): ln z̄ is in the likelihood."""
    keep = (x > 0) & (zbar > 0)
    x, zbar = x[keep].astype(float), zbar[keep].astype(float)
    if len(x) < 3:
        return GammaGammaFit(None, float("nan"), False,
                             "fewer than 3 customers with a paid repeat purchase")
    n = len(x)

    def log_likelihood(values: np.ndarray) -> float:
        return float(gamma_gamma_log_likelihood_terms(GammaGammaParams(*values), x, zbar).sum())

    # Start where the spend data put the mean: p = 1, q = 2, gamma = mean z̄.
    x0 = np.log([1.0, 2.0, max(float(zbar.mean()), 1e-3)])
    values, ll, reason = log_likelihood_maximise(log_likelihood, x0, n)
    if values is None:
        return GammaGammaFit(None, ll, False, reason)
    params = GammaGammaParams(*(float(v) for v in values))
    if params.q <= 1:
        return GammaGammaFit(None, ll, False,
                             "q ≤ 1: spend has no finite mean under this fit")
    return GammaGammaFit(params, ll, True, "")


def gamma_gamma_expected_spend(params: GammaGammaParams, x: np.ndarray,
                               zbar: np.ndarray) -> np.ndarray:
    """E(M | p, q, gamma, z̄, x) = (gamma + x z̄) p / (px + q - 1): a weighted mean of the
    population mean and the customer's own; the population mean where x = 0."""
    p, q, g = params.p, params.q, params.gamma
    x = np.asarray(x, dtype=float)
    zbar = np.where(x > 0, zbar, 0.0)
    return (g + x * zbar) * p / (p * x + q - 1)


def gamma_gamma_simulate(params: GammaGammaParams, x: np.ndarray,
                         rng: np.random.Generator) -> np.ndarray:
    """Mean spend z̄ over x transactions: nu ~ Gamma(q, gamma), each z ~ Gamma(p, nu) so the sum
    of x of them ~ Gamma(px, nu)."""
    nu = rng.gamma(params.q, 1.0 / params.gamma, len(x))
    total = rng.gamma(params.p * np.maximum(x, 1), 1.0 / nu)
    return np.where(x > 0, total / np.maximum(x, 1), 0.0)
