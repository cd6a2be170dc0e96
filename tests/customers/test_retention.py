"""Storage limitation: customers inactive longer than KEEPFLOW_RETENTION_INACTIVE_MONTHS
are erased by the beat task, in batches; off by default."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from apps.config.celery import app
from apps.customers.erasure import customers_retention_erase
from apps.customers.models import Customer
from apps.customers.tasks import retention_erase

pytestmark = pytest.mark.django_db

NOW = timezone.now()
MONTH = timedelta(days=30.44)


def customer(external_id: str, *, seen_months_ago: float | None,
             created_months_ago: float = 24) -> Customer:
    row = Customer.objects.create(external_id=external_id, email=f"{external_id}@example.com")
    seen = NOW - seen_months_ago * MONTH if seen_months_ago is not None else None
    Customer.objects.filter(pk=row.pk).update(last_seen_at=seen,
                                              created_at=NOW - created_months_ago * MONTH)
    return row


@pytest.fixture
def people() -> dict[str, Customer]:
    return {
        "stale": customer("stale", seen_months_ago=7),
        "recent": customer("recent", seen_months_ago=5),
        "never-seen-old": customer("never-seen-old", seen_months_ago=None),
        "never-seen-new": customer("never-seen-new", seen_months_ago=None,
                                   created_months_ago=1),
    }


def remaining() -> list[str]:
    return sorted(Customer.objects.filter(erased_at__isnull=True)
                  .values_list("external_id", flat=True))


def test_off_by_default(people):
    assert django_settings.KEEPFLOW_RETENTION["INACTIVE_MONTHS"] == 0
    assert retention_erase() == 0
    assert remaining() == ["never-seen-new", "never-seen-old", "recent", "stale"]


def test_inactive_customers_are_erased(settings, people):
    settings.KEEPFLOW_RETENTION = {**settings.KEEPFLOW_RETENTION, "INACTIVE_MONTHS": 6}

    assert retention_erase() == 2

    assert remaining() == ["never-seen-new", "recent"]
    for row in Customer.objects.filter(erased_at__isnull=False):
        assert (row.email, row.external_id[:7]) == ("", "erased:")
    assert retention_erase() == 0  # nothing left: erased ones are not counted again


def test_batches_bound_one_call(people):
    assert customers_retention_erase(now=NOW, months=6, batch=1, max_batches=1) == 1
    assert len(remaining()) == 3
    assert customers_retention_erase(now=NOW, months=6, batch=1, max_batches=5) == 1
    assert remaining() == ["never-seen-new", "recent"]


def test_the_beat_runs_it_hourly():
    entry = django_settings.CELERY_BEAT_SCHEDULE["customers-retention-erase"]
    assert entry == {"task": "customers.retention_erase", "schedule": 3600.0}
    assert "customers.retention_erase" in app.tasks
