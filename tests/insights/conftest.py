"""Insights fixtures: purchases stored as ordinary order.completed events."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pytest
from django.utils import timezone

from apps.customers.models import Customer, Event
from tests.engine.conftest import publish, publisher_user  # noqa: F401 (fixtures)

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


def simulated_purchases(n: int, seed: int, end: date) -> list[Purchase]:
    """Purchase histories drawn from the BG/NBD story (lambda ~ Gamma(0.6, 5 weeks),
    dropout p ~ Beta(0.8, 3)) and spend from Gamma-Gamma, first purchases spread over the
    200 days before `end` minus 30; times rounded to days."""
    rng = np.random.default_rng(seed)
    purchases: list[Purchase] = []
    for i in range(n):
        first = end - timedelta(days=int(rng.integers(30, 230)))
        rate, dropout = rng.gamma(0.6, 1 / 5) / 7, rng.beta(0.8, 3)  # per day
        scale = 1 / rng.gamma(4.0, 1 / 15)
        day, alive = 0.0, True
        purchases.append((f"s{i:04d}", first, round(float(rng.gamma(6.0, scale)), 2)))
        while alive:
            day += rng.exponential(1 / rate)
            if day >= (end - first).days + 1:
                break
            when = first + timedelta(days=int(day))
            purchases.append((f"s{i:04d}", when, round(float(rng.gamma(6.0, scale)), 2)))
            alive = rng.random() >= dropout
    return purchases
