"""Maximum likelihood over positive parameters, shared by both models: optimise their
logarithms (no bounds needed)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize

LOG_BOUND = 12.0  # |log parameter| beyond this (e^12 = 160,000) is not a usable fit


def log_likelihood_maximise(
    log_likelihood: Callable[[np.ndarray], float], start: np.ndarray, count: float
) -> tuple[np.ndarray | None, float, str]:
    """(parameters, log-likelihood, "") or (None, log-likelihood, why not). The objective
    is the mean per customer so tolerances do not depend on how many there are."""

    def objective(log_params: np.ndarray) -> float:
        if np.any(np.abs(log_params) > LOG_BOUND + 2):
            return np.inf
        value = -log_likelihood(np.exp(log_params)) / count
        return value if np.isfinite(value) else np.inf

    # BFGS first (about 30 iterations of 5 evaluations on well-identified data);
    # Nelder-Mead only when it fails, which is slower but does not need a gradient.
    result = minimize(objective, start, method="BFGS", options={"gtol": 1e-7})
    converged = bool(result.success)
    if not converged or not np.isfinite(result.fun):
        simplex = minimize(objective, result.x if np.isfinite(result.fun) else start,
                           method="Nelder-Mead", options={"xatol": 1e-7, "fatol": 1e-10,
                                                          "maxiter": 2000, "adaptive": True})
        if np.isfinite(simplex.fun) and (simplex.fun <= result.fun or not converged):
            result, converged = simplex, bool(simplex.success) or converged
    ll = -float(result.fun) * count
    if not np.all(np.isfinite(result.x)) or not np.isfinite(ll):
        return None, ll, "the likelihood could not be evaluated"
    if np.any(np.abs(result.x) > LOG_BOUND):
        return None, ll, ("a parameter ran off to an extreme value; the data do not identify "
                          "the model (too few repeat purchases?)")
    if not converged:
        return None, ll, f"the optimiser did not converge: {result.message}"
    return np.exp(result.x), ll, ""
