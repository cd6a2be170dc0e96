from celery import shared_task

from apps.reports.rollup import reports_rollup_all


@shared_task(name="apps.reports.tasks.reports_rollup", ignore_result=True)
def reports_rollup() -> None:
    """Bring the workflow reports' daily rollup up to date (docs/reports.md); a pass
    still running makes this one a no-op."""
    reports_rollup_all()
