from celery import shared_task

from apps.reports.rollup import reports_rollup_all


@shared_task(name="apps.reports.tasks.reports_rollup", ignore_result=True)
def reports_rollup() -> None:
    """Bring the workflow reports' daily rollup up to date (docs/reports.md); a pass
    still running makes this one a no-op."""
    reports_rollup_all()


@shared_task(name="apps.reports.tasks.retention_snapshots_refresh", ignore_result=True)
def retention_snapshots_refresh() -> None:
    """Keep the dashboard's retention fresh (docs/reports.md#on-the-dashboard)."""
    from apps.reports.dashboard import retention_snapshots_refresh as refresh

    refresh()
