"""Score history upkeep: the retention of the points a fit writes (apps.insights.writing
writes them, in the same statement as the scores)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.insights.models import ScorePoint

# Only points with a newer one of the same customer go: the newest point stays however
# old, so the chart still starts from the last known scores and the next fit compares
# with them (instead of writing a "first" point again).
_PRUNE_SQL = """
DELETE FROM {points} AS h
WHERE h.customer_id >= %(low)s AND h.customer_id < %(high)s AND h.at < %(cutoff)s
  AND EXISTS (SELECT 1 FROM {points} AS n
              WHERE n.customer_id = h.customer_id AND n.at > h.at)
"""


def score_history_prune(*, now: datetime | None = None, days: int | None = None,
                        batch: int | None = None) -> int:
    """Delete history points older than KEEPFLOW_SCORE_HISTORY_RETENTION_DAYS, except each
    customer's newest; one short transaction per range of `batch` customer ids (the
    (customer, at) index). Returns how many points were deleted."""
    config = settings.KEEPFLOW_INSIGHTS
    days = config["HISTORY_RETENTION_DAYS"] if days is None else days
    batch = batch or config["BATCH_SIZE"]
    cutoff = (now or timezone.now()) - timedelta(days=days)
    bounds = ScorePoint.objects.order_by("customer_id").values_list("customer_id", flat=True)
    first, last = bounds.first(), bounds.last()
    if first is None or last is None:
        return 0
    sql = _PRUNE_SQL.format(points=connection.ops.quote_name(ScorePoint._meta.db_table))
    deleted = 0
    for low in range(first, last + 1, batch):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, {"low": low, "high": low + batch, "cutoff": cutoff})
            deleted += cursor.rowcount
    return deleted
