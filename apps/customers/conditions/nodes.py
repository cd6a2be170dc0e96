"""The validated condition tree that both evaluators walk.

The wire format (JSON) is validated by `schema.Condition`; evaluators never see raw dicts,
only these frozen nodes with resolved fields and parsed values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from apps.customers.conditions.fields import FieldRef

Root = Literal["customer", "event"]


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"
    WITHIN_LAST = "within_last"
    BEFORE = "before"
    WITHIN_NEXT = "within_next"


ORDERING = frozenset({Op.LT, Op.LTE, Op.GT, Op.GTE})
RELATIVE = frozenset({Op.WITHIN_LAST, Op.BEFORE, Op.WITHIN_NEXT})
PRESENCE = frozenset({Op.EXISTS, Op.NOT_EXISTS})
# Each negative operator is exactly NOT of its positive twin, in both evaluators.
NEGATIONS = {Op.NE: Op.EQ, Op.NOT_IN: Op.IN, Op.NOT_EXISTS: Op.EXISTS}

Scalar = str | int | float | bool


@dataclass(frozen=True)
class All:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Leaf:
    """One test. `value` is already typed for the field: a scalar, a tuple of scalars (in,
    not_in), a datetime (comparisons on date fields), a timedelta (relative operators),
    an int (metrics) or None (exists, not_exists)."""

    ref: FieldRef
    op: Op
    value: Scalar | tuple[Scalar, ...] | datetime | timedelta | None = None
    event_type: str | None = None
    window: timedelta | None = None


Node = All | AnyOf | Not | Leaf


def leaf_refs(node: Node) -> list[Leaf]:
    """Every leaf of the tree, left to right."""
    if isinstance(node, Leaf):
        return [node]
    if isinstance(node, Not):
        return leaf_refs(node.item)
    return [leaf for item in node.items for leaf in leaf_refs(item)]
