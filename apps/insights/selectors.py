"""Reads: the current model, one customer's forecast and score history."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.customers.models import Customer
from apps.insights.bgnbd import BgNbdParams
from apps.insights.models import ModelFit, ScorePoint
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


def customer_score_history(customer: Customer, start: date | None = None,
                           end: date | None = None) -> QuerySet[ScorePoint]:
    """The customer's history points, oldest first, within the UTC days start..end
    (both included, either open)."""
    points = ScorePoint.objects.filter(customer=customer)
    if start is not None:
        points = points.filter(at__gte=datetime.combine(start, time.min, tzinfo=UTC))
    if end is not None:
        points = points.filter(at__lt=datetime.combine(end + timedelta(days=1), time.min,
                                                       tzinfo=UTC))
    return points.order_by("at")


def score_thresholds() -> dict[str, float]:
    """The crossing thresholds, drawn as reference lines on the history chart."""
    cfg = settings.KEEPFLOW_INSIGHTS
    return {"churn_score": cfg["CHURN_SCORE_THRESHOLD"], "p_alive": cfg["P_ALIVE_THRESHOLD"]}
