from celery import shared_task

from apps.insights.history import score_history_prune
from apps.insights.services import churn_fit


@shared_task(name="apps.insights.tasks.churn_fit_nightly", ignore_result=True)
def churn_fit_nightly() -> None:
    """The nightly fit and scoring (KEEPFLOW_CHURN_FIT_CRON), then the score history's
    retention; safe to repeat."""
    churn_fit()
    score_history_prune()
