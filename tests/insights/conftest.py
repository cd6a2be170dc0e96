"""Insights fixtures: purchases stored as ordinary order.completed events."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from django.utils import timezone

from apps.customers.models import Customer, Event

ROOT = Path(__file__).resolve().parents[2]
# The Fader & Hardie CDNOW sample; KEEPFLOW_CDNOW_SAMPLE points elsewhere.
CDNOW_SAMPLE = Path(os.environ.get("KEEPFLOW_CDNOW_SAMPLE",
                                   ROOT.parent / "shared" / "data" / "cdnow" / "CDNOW_sample.txt"))

Purchase = tuple[str, date | datetime, float]  # (customer external id, when, amount)


def purchases_store(purchases: Iterable[Purchase], type_: str = "order.completed") -> None:
    """Customers and their purchase events, written directly (bulk) like an import."""
    rows = list(purchases)
    ids = {}
    for external_id in sorted({r[0] for r in rows}):
        ids[external_id] = Customer.objects.get_or_create(external_id=external_id)[0].pk
    now = timezone.now()
    Event.objects.bulk_create([
        Event(customer_id=ids[external_id], type=type_, properties={"amount": amount},
              occurred_at=(when if isinstance(when, datetime)
                           else datetime.combine(when, time(12), tzinfo=UTC)),
              received_at=now, idempotency_key=f"test:{n}", source="import")
        for n, (external_id, when, amount) in enumerate(rows)
    ], batch_size=5_000)


@pytest.fixture
def store_purchases(db) -> Callable[..., None]:
    return purchases_store


def cdnow_purchases(path: Path = CDNOW_SAMPLE) -> list[Purchase]:
    """One purchase per line, as raw as the file is (same-day rows not merged here)."""
    purchases = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        _master, sample_id, day, _cds, dollars = line.split()
        purchases.append((sample_id, date(int(day[:4]), int(day[4:6]), int(day[6:])),
                          float(dollars)))
    return purchases
