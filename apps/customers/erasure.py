"""Right to erasure and storage limitation: one registry of every table that holds a
customer's personal data, and the service that erases all of it.

The registry is explicit on purpose: a test lists every model with fields that look
personal (or rows tied to a customer) and fails until the model is either registered
here or exempted with a reason, so a new table cannot be forgotten
(tests/customers/test_erasure_registry.py).

The customer row itself stays, anonymous ("erased:<uuid>"), so that counts, conversions
and lift stay true; rows that only make sense with the person (events, segment
memberships) are deleted; rows that feed aggregates (messages, tasks, offers, runs and
their steps) keep their ids, states and times and lose their content.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.customers.models import Customer

ERASED_TEXT = "[erased]"


@dataclass(frozen=True)
class PersonalData:
    """One table's personal data: how to find a customer's rows, and what each personal
    field becomes (or `delete` the rows). `kept` names fields left on purpose, with why."""

    model: str  # app_label.ModelName
    customer_path: str  # lookup from the model to the customer's id
    replace: Mapping[str, Any] = field(default_factory=dict)
    delete: bool = False
    kept: Mapping[str, str] = field(default_factory=dict)


REGISTRY: tuple[PersonalData, ...] = (
    PersonalData("customers.Event", "customer_id", delete=True),
    PersonalData("customers.SegmentMembership", "customer_id", delete=True),
    PersonalData("messaging.Message", "customer_id",
                 replace={"to": "", "subject": "", "body": ERASED_TEXT, "options": {},
                          "error": ""}),
    PersonalData("tasks.Task", "customer_id", replace={"title": ERASED_TEXT, "notes": ""}),
    # The code is random and the target a shop page, but the target is rendered per
    # customer and may carry their data in its query string.
    PersonalData("offers.Offer", "customer_id",
                 replace={"target_url": "", "page_headline": "", "page_text": ""},
                 kept={"code": "a random discount code, needed to count redemptions"}),
    # The reason code stays (the exit-reasons report counts it); the customer's own words go.
    PersonalData("surveys.ExitSurvey", "customer_id", replace={"free_text": ""}),
    PersonalData("engine.Run", "customer_id", replace={"variables": {}, "error": ""}),
    PersonalData("engine.Step", "run__customer_id", replace={"detail": {}, "error": ""}),
    PersonalData("engine.EffectRecord", "run__customer_id", replace={"result": {}}),
    # A profile of the person over time (scores, value, tier): gone with the person.
    PersonalData("insights.ScorePoint", "customer_id", delete=True),
    # What the customer did, in words (their last feedback, complaints, a cancellation).
    PersonalData("insights.ChurnBreakdown", "customer_id", delete=True),
)

# Models whose fields look personal or point at a customer, but hold no customer's
# personal data (or keep it on purpose), with the reason.
EXEMPT: Mapping[str, str] = {
    "customers.Customer": "anonymised by customer_erase itself (the row stays, anonymous)",
    "customers.EventPending": "an event id only; the event row is deleted",
    "customers.Segment": "a segment's name and rule, written by staff",
    "accounts.User": "staff accounts, not customers (users.manage)",
    "accounts.ApiKey": "machine credentials, named by staff",
    "messaging.Suppression": "kept on purpose: an address that asked not to be contacted "
                             "must stay suppressed after erasure (legitimate interest)",
    "engine.Wait": "node, times and the workflow's condition; deleted when the run ends",
    "engine.TriggerEntry": "the index of published triggers, no customer data",
    "engine.NodeCount": "anonymous per-node counters",
    "engine.Fanout": "a manual start over a segment: ids and counts",
    "workflows.Workflow": "workflows written by staff",
    "workflows.WorkflowVersion": "workflows written by staff",
    "workflows.WorkflowTestCase": "test fixtures written by staff, not tied to a customer row",
    "workflows.BlockTemplate": "blocks written by staff",
    "workflows.BlockTemplateVersion": "blocks written by staff",
    "tasks.TaskQueue": "a contact-center queue's name and hours",
    "integrations.Credential": "secrets for outbound HTTP, not customer data",
    "integrations.AllowedHost": "hosts opened by an admin",
    "surveys.ExitReason": "the exit survey's reasons, written by staff",
}


def _customer_rows(entry: PersonalData, customer_ids: list[int]) -> Any:
    model = apps.get_model(entry.model)
    return model.objects.filter(**{f"{entry.customer_path}__in": customer_ids})


# What runs before any row is erased: the engine cancels the customers' active runs
# (a running step must not write after us). Apps register these in AppConfig.ready, so
# customers imports none of them.
EraseHook = Callable[[list[int], datetime], object]
BEFORE_ERASE: list[EraseHook] = []


def erase_hook_register(hook: EraseHook) -> None:
    """`hook(customer_ids, now)` runs first whenever customers are erased; it must be
    safe to run twice."""
    if hook not in BEFORE_ERASE:
        BEFORE_ERASE.append(hook)


def customers_erase(customer_ids: list[int], *, now: datetime | None = None) -> int:
    """Erase these customers everywhere the registry lists: cancel their active runs,
    delete or blank their personal rows, anonymise the profiles. Safe to run twice.
    Returns how many profiles were erased now (not before)."""
    now = now or timezone.now()
    customer_ids = sorted(set(customer_ids))
    for hook in BEFORE_ERASE:  # first: a running step must not write after us
        hook(customer_ids, now)
    with transaction.atomic():
        customers = list(Customer.objects.select_for_update().filter(pk__in=customer_ids)
                         .order_by("id"))
        for entry in REGISTRY:
            rows = _customer_rows(entry, customer_ids)
            if entry.delete:
                rows.delete()
            else:
                rows.update(**entry.replace)
        for customer in customers:
            if customer.erased_at is None:
                _profile_anonymise(customer, now)
    return sum(1 for customer in customers if customer.erased_at == now)


def _profile_anonymise(customer: Customer, now: datetime) -> None:
    customer.external_id = f"erased:{uuid.uuid4()}"
    for name in ("email", "phone", "first_name", "last_name", "locale", "tier",
                 "churn_reason"):  # the reason tells what they did ("Asked to cancel ...")
        setattr(customer, name, "")
    customer.timezone = "UTC"
    customer.attributes, customer.tags, customer.consent = {}, [], {}
    customer.erased_at = now
    customer.save()


def customer_erase(customer: Customer) -> Customer:
    """Right to erasure of one customer (DELETE /api/v1/customers/{id})."""
    customers_erase([customer.pk])
    customer.refresh_from_db()
    return customer


def customers_inactive(*, months: int, now: datetime, limit: int) -> list[int]:
    """Ids of customers not seen (no event) for `months`, never-seen ones by creation."""
    cutoff = now - timedelta(days=round(months * 30.44))
    inactive = Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True, created_at__lt=cutoff)
    return list(Customer.objects.filter(inactive, erased_at__isnull=True)
                .order_by("id").values_list("id", flat=True)[:limit])


def customers_retention_erase(*, now: datetime | None = None, months: int | None = None,
                              batch: int | None = None, max_batches: int | None = None) -> int:
    """Storage limitation: erase customers inactive longer than
    KEEPFLOW_RETENTION_INACTIVE_MONTHS (0: off), a batch per transaction, at most
    `max_batches` per call so one beat tick stays short. Returns how many were erased."""
    config = settings.KEEPFLOW_RETENTION
    months = config["INACTIVE_MONTHS"] if months is None else months
    if months <= 0:
        return 0
    now = now or timezone.now()
    erased = 0
    for _ in range(config["MAX_BATCHES"] if max_batches is None else max_batches):
        ids = customers_inactive(months=months, now=now,
                                 limit=config["BATCH"] if batch is None else batch)
        if not ids:
            break
        erased += customers_erase(ids, now=now)
    return erased
