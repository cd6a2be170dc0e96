"""The Python evaluator: one customer (and optionally one event), for the interpreter.

It must agree with the SQL compiler (compile.py) on every input; the property test in
tests/customers/test_conditions_agreement.py holds them to it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from apps.customers.conditions.fields import FieldRef, Kind, Scope
from apps.customers.conditions.nodes import (
    NEGATIONS,
    ORDERING,
    All,
    AnyOf,
    Leaf,
    Node,
    Not,
    Op,
)
from apps.customers.conditions.values import exact_number, iso_datetime, json_equal, json_kind

if TYPE_CHECKING:
    from apps.customers.models import Customer, Event

_MISSING = object()
_DAY = timedelta(days=1)


@dataclass
class _Facts:
    customer: Customer
    event: Event | None
    now: datetime
    events: list[tuple[str, datetime]] | None
    _by_type: dict[str, list[datetime]] = field(default_factory=dict)

    def occurred(self, event_type: str) -> list[datetime]:
        """When the customer's events of this type happened, up to now."""
        if event_type not in self._by_type:
            if self.events is not None:
                times = [at for kind, at in self.events if kind == event_type]
            elif self.customer.pk is None:
                times = []
            else:
                times = list(
                    self.customer.events.filter(type=event_type).values_list(
                        "occurred_at", flat=True
                    )
                )
            self._by_type[event_type] = [at for at in times if at <= self.now]
        return self._by_type[event_type]


def condition_evaluate(
    node: Node,
    *,
    customer: Customer,
    event: Event | None = None,
    now: datetime | None = None,
    events: Iterable[Event] | None = None,
) -> bool:
    """Is the condition true for this customer (and event)? `events` are the customer's
    events for metrics; when omitted they are read from the database as needed. Event
    fields of a missing event are missing."""
    history = None if events is None else [(e.type, e.occurred_at) for e in events]
    return _eval(node, _Facts(customer, event, now or timezone.now(), history))


def _eval(node: Node, facts: _Facts) -> bool:
    if isinstance(node, All):
        return all(_eval(item, facts) for item in node.items)
    if isinstance(node, AnyOf):
        return any(_eval(item, facts) for item in node.items)
    if isinstance(node, Not):
        return not _eval(node.item, facts)
    if node.op in NEGATIONS:
        return not _leaf(node, NEGATIONS[node.op], facts)
    return _leaf(node, node.op, facts)


def _leaf(leaf: Leaf, op: Op, facts: _Facts) -> bool:
    ref = leaf.ref
    if ref.kind is Kind.EVENT_COUNT:
        return _event_count(leaf, op, facts)
    if ref.kind is Kind.DAYS_SINCE_LAST:
        return _days_since_last(leaf, op, facts)
    raw = _read(ref, facts)
    if raw is _MISSING:
        return False
    if ref.kind is Kind.TEXT:
        return _text(op, raw, leaf.value)
    if ref.kind is Kind.NUMBER:
        if op is Op.EXISTS:
            return True
        convert = exact_number if ref.decimal else float
        return _compare(op, convert(raw), _map(convert, leaf.value))
    if ref.kind is Kind.DATETIME:
        return _moment(op, raw, leaf.value, facts.now)
    if ref.kind is Kind.TAGS:
        return _tags(op, raw, leaf.value)
    return _json(op, raw, leaf.value, facts.now)


def _read(ref: FieldRef, facts: _Facts) -> Any:
    """The field's value, or _MISSING (absent key, null, no event)."""
    source = facts.event if ref.scope is Scope.EVENT else facts.customer
    if source is None:
        return _MISSING
    value = getattr(source, ref.column)
    for key in ref.keys:
        value = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
    return _MISSING if value is None else value


def _map(convert: Any, value: Any) -> Any:
    return tuple(convert(v) for v in value) if isinstance(value, tuple) else convert(value)


def _compare(op: Op, x: Any, value: Any) -> bool:
    """eq, in and ordering on values already of one kind."""
    if op is Op.EQ:
        return x == value
    if op is Op.IN:
        return x in value
    if op is Op.LT:
        return x < value
    if op is Op.LTE:
        return x <= value
    if op is Op.GT:
        return x > value
    if op is Op.GTE:
        return x >= value
    raise AssertionError(f"no comparison {op}")


def _text(op: Op, x: str, value: Any) -> bool:
    if op is Op.EXISTS:
        return x != ""
    if op is Op.CONTAINS:
        return value in x
    return _compare(op, x, value)


def _moment(op: Op, x: datetime, value: Any, now: datetime) -> bool:
    if op is Op.EXISTS:
        return True
    if op is Op.WITHIN_LAST:
        return now - value <= x <= now
    if op is Op.BEFORE:
        return x < now - value
    if op is Op.WITHIN_NEXT:
        return now <= x <= now + value
    return _compare(op, x, value)


def _tags(op: Op, tags: Any, value: Any) -> bool:
    if not isinstance(tags, list):
        return False
    if op is Op.EXISTS:
        return bool(tags)
    return any(json_equal(tag, value) for tag in tags)


def _json(op: Op, x: Any, value: Any, now: datetime) -> bool:
    kind = json_kind(x)
    if op is Op.EXISTS:
        return True
    if op is Op.EQ:
        return json_equal(x, value)
    if op is Op.IN:
        return any(json_equal(x, v) for v in value)
    if op in ORDERING:
        if kind != json_kind(value) or kind not in ("number", "string"):
            return False
        if kind == "number":
            return _compare(op, exact_number(x), exact_number(value))
        return _compare(op, x, value)
    if op is Op.CONTAINS:
        if kind == "string":
            return isinstance(value, str) and value in x
        return kind == "array" and any(json_equal(item, value) for item in x)
    moment = iso_datetime(x)
    return moment is not None and _moment(op, moment, value, now)


def _event_count(leaf: Leaf, op: Op, facts: _Facts) -> bool:
    assert leaf.event_type is not None and isinstance(leaf.value, int)
    times = facts.occurred(leaf.event_type)
    if leaf.window is not None:
        since = facts.now - leaf.window
        times = [at for at in times if at >= since]
    return _compare(op, len(times), leaf.value)


def _days_since_last(leaf: Leaf, op: Op, facts: _Facts) -> bool:
    """Whole days since the last such event; no such event makes every comparison false
    (and ne true)."""
    assert leaf.event_type is not None and isinstance(leaf.value, int)
    times = facts.occurred(leaf.event_type)
    if not times:
        return False
    days = (facts.now - max(times)) // _DAY
    return _compare(op, days, leaf.value)
