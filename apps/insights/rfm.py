"""Per-customer purchase summary (frequency, recency, age, repeat spend) computed in SQL,
a range of customer ids at a time: the events table can hold tens of millions of rows,
and only the per-customer results travel to Python.

The conventions of the papers (and the pitfalls of the CDNOW data): purchases on the same
UTC day are one transaction with the amounts summed; x counts repeat transactions, so the
first purchase is not one; t_x is the time of the last purchase since the first; T the
time from the first purchase to the end of the as-of day; the first purchase's amount
does not count towards the mean repeat spend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection

from apps.customers.models import Customer, Event

_SUMMARY_SQL = """
WITH days AS (
    SELECT customer_id, (occurred_at AT TIME ZONE 'UTC')::date AS day,
           sum(CASE WHEN jsonb_typeof(properties #> %(path)s) = 'number'
                      OR (jsonb_typeof(properties #> %(path)s) = 'string'
                          AND properties #>> %(path)s ~ '^\\s*-?[0-9]+(\\.[0-9]+)?\\s*$')
                    THEN (properties #>> %(path)s)::numeric ELSE 0 END) AS amount
    FROM {events}
    WHERE customer_id >= %(lo)s AND customer_id < %(hi)s
      AND type = %(type)s AND occurred_at < %(until)s
    GROUP BY 1, 2
), ranked AS (
    SELECT customer_id, day, amount,
           row_number() OVER (PARTITION BY customer_id ORDER BY day) AS n
    FROM days
)
SELECT customer_id,
       count(*) - 1 AS x,
       max(day) - min(day) AS t_x,
       %(as_of)s::date - min(day) AS age,
       coalesce(sum(amount) FILTER (WHERE n > 1), 0)::float8 AS repeat_amount,
       coalesce(min(day) FILTER (WHERE n = 2) - min(day), -1) AS first_gap
FROM ranked GROUP BY customer_id ORDER BY customer_id
"""


@dataclass
class PurchaseSummary:
    """Arrays aligned by customer; times in days."""

    customer_id: np.ndarray  # int64
    x: np.ndarray  # repeat transactions
    t_x: np.ndarray  # days from first to last purchase
    age: np.ndarray  # days from first purchase to the end of the as-of day (T)
    zbar: np.ndarray  # mean repeat spend, 0 where x = 0
    first_gap: np.ndarray  # days from first to second purchase, -1 where x = 0

    def __len__(self) -> int:
        return len(self.customer_id)


def amount_path() -> list[str]:
    """The amount setting as a JSON path inside `properties`."""
    field = settings.KEEPFLOW_INSIGHTS["AMOUNT_FIELD"]
    head, _, rest = field.partition(".")
    if head != "properties" or not rest:
        raise ValueError(f"KEEPFLOW_PURCHASE_AMOUNT_FIELD must be properties.<key>, not {field}")
    return rest.split(".")


def customer_id_ranges(cursor: Any, batch: int,
                       customer_id: int | None = None) -> Iterator[tuple[int, int]]:
    """[lo, hi) ranges of customer ids covering every customer (or just this one)."""
    if customer_id is not None:
        yield customer_id, customer_id + 1
        return
    cursor.execute(f"SELECT min(id), max(id) FROM {Customer._meta.db_table}")
    low, high = cursor.fetchone()
    if low is not None:
        for lo in range(low, high + 1, batch):
            yield lo, lo + batch


def purchase_summary(as_of: date, *, batch_size: int | None = None,
                     customer_id: int | None = None) -> PurchaseSummary:
    """Summaries of every customer (or just this one) with a purchase up to and including
    `as_of`."""
    batch = batch_size or settings.KEEPFLOW_INSIGHTS["BATCH_SIZE"]
    until = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
    sql = _SUMMARY_SQL.format(events=connection.ops.quote_name(Event._meta.db_table))
    params = {"path": amount_path(), "type": settings.KEEPFLOW_INSIGHTS["PURCHASE_EVENT"],
              "until": until, "as_of": as_of}
    parts: list[np.ndarray] = []
    with connection.cursor() as cursor:
        for lo, hi in customer_id_ranges(cursor, batch, customer_id):
            cursor.execute(sql, {**params, "lo": lo, "hi": hi})
            rows = cursor.fetchall()
            if rows:
                parts.append(np.array(rows, dtype=np.float64))
    table = np.concatenate(parts) if parts else np.zeros((0, 6))
    x = table[:, 1]
    return PurchaseSummary(
        customer_id=table[:, 0].astype(np.int64), x=x, t_x=table[:, 2], age=table[:, 3],
        zbar=np.where(x > 0, table[:, 4] / np.maximum(x, 1), 0.0), first_gap=table[:, 5],
    )
