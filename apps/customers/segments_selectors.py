"""Reads for segments: who matches a condition, how many, and a segment's members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from apps.customers.conditions import Condition, condition_parse, condition_q
from apps.customers.conditions.nodes import All, AnyOf, Leaf, Node, Not
from apps.customers.models import Customer, Segment

PREVIEW_SAMPLE = 10


def segment_condition_node(condition: Node | Condition | dict[str, Any]) -> Node:
    """A segment's condition, validated: customer fields and metrics only, and no metrics
    over segment membership events (a segment must not feed itself)."""
    if isinstance(condition, All | AnyOf | Not | Leaf):
        return condition
    return condition_parse(condition, root="customer", segment=True)


def customers_matching(
    condition: Node | Condition | dict[str, Any], now: datetime | None = None
) -> QuerySet[Customer]:
    """Customers (never erased ones) for whom the condition holds at `now`."""
    node = segment_condition_node(condition)
    return Customer.objects.filter(erased_at__isnull=True).filter(
        condition_q(node, root="customer", now=now)
    )


def segment_count(condition: Node | Condition | dict[str, Any], now: datetime | None = None) -> int:
    return _count(customers_matching(condition, now))


def _count(matching: QuerySet[Customer]) -> int:
    """COUNT(*) without PostgreSQL's JIT: a count over a million customers runs in well
    under a second, and compiling it took a fifth of that (docs/benchmarks.md)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        return matching.order_by().count()


@dataclass(frozen=True)
class SegmentPreview:
    count: int
    sample: list[str]


def segment_preview(
    condition: Node | Condition | dict[str, Any], now: datetime | None = None
) -> SegmentPreview:
    """The live count and the external ids of a few (newest) matching customers."""
    matching = customers_matching(condition, now)
    sample = list(matching.order_by("-id").values_list("external_id", flat=True)[:PREVIEW_SAMPLE])
    return SegmentPreview(count=_count(matching), sample=sample)


def segment_members(segment: Segment) -> QuerySet[Customer]:
    return Customer.objects.filter(
        segment_memberships__segment=segment, erased_at__isnull=True
    ).order_by("-id")
