"""Reads: the current model and one customer's forecast."""

from __future__ import annotations

from django.utils import timezone

from apps.customers.models import Customer
from apps.insights.bgnbd import BgNbdParams
from apps.insights.models import ModelFit
from apps.insights.rfm import purchase_summary
from apps.insights.scoring import expected_purchases


def model_current() -> ModelFit | None:
    """The newest fit that converged: a failed fit never replaces it."""
    return ModelFit.objects.filter(converged=True).order_by("-fitted_at", "-id").first()


def customer_forecast(customer: Customer, days: int, fit: ModelFit) -> float:
    """Expected purchases in the next `days` days from the customer's purchases up to
    today; 0 for a customer who never bought (the model starts at the first purchase)."""
    summary = purchase_summary(timezone.now().date(), customer_id=customer.pk)
    if not len(summary):
        return 0.0
    params = BgNbdParams(fit.r, fit.alpha, fit.a, fit.b)
    return float(expected_purchases(params, summary, float(days))[0])
