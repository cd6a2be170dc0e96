"""Writes for customer profiles: upsert and consent (erasure: erasure.py)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.customers.models import Customer

PROFILE_FIELDS = ("email", "phone", "first_name", "last_name", "timezone", "locale",
                  "churn_score", "clv", "tier")


def consent_entry(status: str, source: str, at: datetime | None = None) -> dict[str, str]:
    return {"status": status, "source": source, "at": (at or timezone.now()).isoformat()}


def customer_apply(customer: Customer, data: dict[str, Any], *, source: str) -> Customer:
    """Apply validated profile data in memory. Attributes merge key by key (None removes a
    key), consent merges per channel, other given fields replace."""
    for field in PROFILE_FIELDS:
        if field in data:
            value = data[field]
            nullable = Customer._meta.get_field(field).null
            setattr(customer, field, value if value is not None or nullable else "")
    if "tags" in data:
        customer.tags = sorted(set(data["tags"]))
    for key, value in (data.get("attributes") or {}).items():
        if value is None:
            customer.attributes.pop(key, None)
        else:
            customer.attributes[key] = value
    for channel, entry in (data.get("consent") or {}).items():
        customer.consent[channel] = consent_entry(
            entry["status"], entry.get("source") or source, entry.get("at")
        )
    return customer


@transaction.atomic
def customer_upsert(
    external_id: str, data: dict[str, Any], *, source: str
) -> tuple[Customer, bool]:
    """Create or update the customer with this external id; returns (customer, created)."""
    customer, created = Customer.objects.select_for_update().get_or_create(
        external_id=external_id
    )
    customer_apply(customer, data, source=source)
    customer.save()
    transaction.on_commit(lambda: customers_changed([customer.pk]))
    return customer, created


def customers_ensure(external_ids: Iterable[str]) -> dict[str, int]:
    """Ids of these customers, creating the unknown ones (safe under concurrency)."""
    wanted = set(external_ids)
    found = dict(
        Customer.objects.filter(external_id__in=wanted).values_list("external_id", "id")
    )
    missing = wanted - found.keys()
    if missing:
        # Sorted: concurrent callers then insert shared new ids in one order (no deadlock).
        Customer.objects.bulk_create(
            [Customer(external_id=ext) for ext in sorted(missing)], ignore_conflicts=True
        )
        found.update(
            Customer.objects.filter(external_id__in=missing).values_list("external_id", "id")
        )
    return found


def customers_changed(customer_ids: list[int]) -> None:
    """Profiles changed: segment membership follows (asynchronously)."""
    from apps.customers.tasks import customers_refresh_segments
    from apps.handoff import enqueue_ids

    enqueue_ids(customers_refresh_segments, customer_ids)
