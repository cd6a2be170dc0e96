"""Reads: the current model, one customer's forecast, score history and breakdown, the
settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from apps.customers.models import Customer
from apps.insights.bgnbd import BgNbdParams
from apps.insights.models import SIGNALS, ChurnBreakdown, InsightsSettings, ModelFit, ScorePoint
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
    current = insights_settings_get()
    return {"churn_score": current.churn_score_threshold, "p_alive": current.p_alive_threshold}
def insights_settings_get() -> InsightsSettings:
    """The settings an admin saved, else (unsaved) the environment's: KEEPFLOW_INSIGHTS
    for the thresholds and tiers, KEEPFLOW_CONTRACT_RULES for the rule score."""
    saved = InsightsSettings.objects.filter(pk=InsightsSettings.SINGLETON_ID).first()
    if saved is not None:
        return saved
    cfg = settings.KEEPFLOW_INSIGHTS
    rules = settings.KEEPFLOW_CONTRACT_RULES
    return InsightsSettings(
        pk=InsightsSettings.SINGLETON_ID,
        churn_score_threshold=cfg["CHURN_SCORE_THRESHOLD"],
        p_alive_threshold=cfg["P_ALIVE_THRESHOLD"],
        tiers=[list(tier) for tier in cfg["TIERS"]],
        **{field: (dict(value) if isinstance(value, dict) else value)
           for field, value in rules.items()},
    )


def customer_breakdown(customer: Customer) -> ChurnBreakdown | None:
    """Why a contract customer has their rule score; None for other customers."""
    return ChurnBreakdown.objects.filter(customer=customer).first()


def settings_preview(weights: dict[str, float], threshold: float) -> dict[str, int]:
    """How many contract customers would score at or above `threshold` with these weights,
    from the signal values stored by the last scoring: one scan, no rescoring."""
    current = insights_settings_get()

    def score_sql(w: dict[str, float]) -> tuple[str, list[float]]:
        total = sum(float(w.get(name, 0)) for name in SIGNALS) or 1.0
        terms = [f"coalesce((\"values\" ->> '{name}')::float8, 0) * %s" for name in SIGNALS]
        return " + ".join(terms), [float(w.get(name, 0)) / total for name in SIGNALS]

    new_sql, new_params = score_sql(weights)
    old_sql, old_params = score_sql(current.weights)
    table = connection.ops.quote_name(ChurnBreakdown._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {new_sql} >= %s - 1e-9), "
            f"count(*) FILTER (WHERE {old_sql} >= %s - 1e-9) FROM {table}",
            [*new_params, threshold, *old_params, current.churn_score_threshold])
        total, at_risk, currently = cursor.fetchone()
    return {"contract_customers": total, "at_risk": at_risk, "currently_at_risk": currently}
