"""`manage.py prune_steps [--days N] [--dry-run]`: delete the step details of runs that
ended more than N days ago (default: KEEPFLOW_STEP_RETENTION_DAYS). The runs' summaries
and the per-node counts stay. The hourly engine.steps_prune task does the same."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.engine.models import Step
from apps.engine.services import steps_prune


class Command(BaseCommand):
    help = ("Delete step details of runs that ended longer ago than the retention period; "
            "run summaries and node counts stay.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None,
                            help="Retention in days (default: KEEPFLOW_STEP_RETENTION_DAYS, "
                                 f"now {settings.KEEPFLOW_ENGINE['STEP_RETENTION_DAYS']}).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Only say what would be deleted.")

    def handle(self, *args: Any, days: int | None, dry_run: bool, **options: Any) -> None:
        days = settings.KEEPFLOW_ENGINE["STEP_RETENTION_DAYS"] if days is None else days
        if days < 0:
            raise CommandError("--days must be 0 or more")
        now = timezone.now()
        cutoff = now - timedelta(days=days)
        old = Step.objects.filter(run__ended_at__lt=cutoff)
        runs = old.order_by().values("run_id").distinct().count()
        if dry_run:
            self.stdout.write(f"would delete {old.count()} steps of {runs} runs that ended "
                              f"before {cutoff.isoformat()} (retention {days} days)")
            return
        deleted = steps_prune(now=now, retention_days=days)
        self.stdout.write(f"deleted {deleted} steps of {runs} runs that ended before "
                          f"{cutoff.isoformat()} (retention {days} days)")
