"""Profile writes for many customers at once: the CSV import and the tracking API.

One query to read, one bulk insert and one bulk update per chunk instead of a transaction
per customer, and nothing written for a customer whose data did not change, so a re-run of
the same import leaves `updated_at` and consent timestamps alone.
"""

import copy
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.customers.models import Customer
from apps.customers.services import PROFILE_FIELDS, customer_apply, customers_changed

COMPARED_FIELDS = (*PROFILE_FIELDS, "attributes", "tags", "consent")
_INSERT_ATTEMPTS = 3


@dataclass
class BulkUpsertResult:
    """External ids by outcome, in input order."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def profile_data_merge(first: dict[str, Any], then: dict[str, Any]) -> dict[str, Any]:
    """Validated profile data of two writes to one customer, as if applied in order:
    attributes and consent merge key by key, every other field is replaced."""
    merged = dict(first)
    for key, value in then.items():
        if key in ("attributes", "consent") and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **(value or {})}
        else:
            merged[key] = value
    return merged


def customers_upsert_bulk(
    changes: dict[str, dict[str, Any]], *, source: str, dry_run: bool = False
) -> BulkUpsertResult:
    """Create or update each customer (external id -> validated profile data, as from
    CustomerWriteSerializer) in one transaction. Rows are locked in id order, so two
    concurrent calls over the same customers wait for each other instead of deadlocking.
    With `dry_run` nothing is written; the result says what would have happened."""
    if not changes:
        return BulkUpsertResult()
    for attempt in range(1, _INSERT_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _upsert(changes, source=source, dry_run=dry_run)
        except IntegrityError:
            # A concurrent writer created one of our new customers first; on the next
            # attempt it is an existing row and gets updated instead.
            if attempt == _INSERT_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _upsert(changes: dict[str, dict[str, Any]], *, source: str, dry_run: bool) -> BulkUpsertResult:
    rows = Customer.objects.filter(external_id__in=changes.keys()).order_by("id")
    # FOR NO KEY UPDATE: the external id is not changed, and foreign-key checks of other
    # transactions (FOR KEY SHARE) need not wait for these rows.
    locked = rows if dry_run else rows.select_for_update(no_key=True)
    existing = {c.external_id: c for c in locked}
    result = BulkUpsertResult()
    to_create: list[Customer] = []
    to_update: list[Customer] = []
    changed_fields: set[str] = set()
    for external_id, data in changes.items():
        customer = existing.get(external_id)
        if customer is None:
            to_create.append(customer_apply(Customer(external_id=external_id), data,
                                            source=source))
            result.created.append(external_id)
            continue
        changed = _apply_and_compare(customer, data, source=source)
        if changed:
            to_update.append(customer)
            changed_fields.update(changed)
            result.updated.append(external_id)
        else:
            result.unchanged.append(external_id)
    if dry_run:
        return result

    now = timezone.now()
    for customer in to_update:
        customer.updated_at = now
    Customer.objects.bulk_create(to_create)
    if to_update:
        Customer.objects.bulk_update(to_update, [*sorted(changed_fields), "updated_at"])
    # bulk_create sets the new pks (RETURNING).
    touched = [c.pk for c in (*to_update, *to_create)]
    if touched:
        transaction.on_commit(lambda: customers_changed(touched))
    return result


def _apply_and_compare(customer: Customer, data: dict[str, Any], *, source: str) -> list[str]:
    """Apply in memory and name the fields whose value changed. A consent entry that only
    repeats the stored status is dropped, so its original time and source stay."""
    consent = {
        channel: entry
        for channel, entry in (data.get("consent") or {}).items()
        if (customer.consent.get(channel) or {}).get("status") != entry["status"]
    }
    before = {name: copy.deepcopy(getattr(customer, name)) for name in COMPARED_FIELDS}
    customer_apply(customer, {**data, "consent": consent}, source=source)
    return [name for name in COMPARED_FIELDS if getattr(customer, name) != before[name]]

