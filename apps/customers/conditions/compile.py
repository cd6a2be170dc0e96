"""The SQL evaluator: a condition compiled to a Django Q over customers or events.

root="customer" filters a Customer queryset (segment counts, batch triggers); root="event"
filters an Event queryset, where customer.* fields go through the event's customer.
Per-customer metrics compile to EXISTS / IN subqueries on the events table, which its
(customer, type, occurred_at) index serves."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import reduce
from operator import and_, or_
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet, Subquery
from django.utils import timezone

from apps.customers.conditions import sql
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
    Root,
)
from apps.customers.conditions.values import exact_number
from apps.customers.event_stats import RECENT_KEPT

if TYPE_CHECKING:
    from apps.customers.models import Event

_DAY = timedelta(days=1)


def condition_q(node: Node, *, root: Root = "customer", now: datetime | None = None) -> Q:
    """A Q for Customer (root="customer") or Event (root="event") querysets."""
    return _Compiler(root, now or timezone.now()).q(node)


class _Compiler:
    def __init__(self, root: Root, now: datetime) -> None:
        self.root = root
        self.now = now
        self.customer_prefix = "" if root == "customer" else "customer__"
        self.customer_pk = "pk" if root == "customer" else "customer_id"

    def q(self, node: Node) -> Q:
        if isinstance(node, All):
            if not node.items:
                return Q(sql.constant(True))
            return reduce(and_, _summaries_merged([self.q(item) for item in node.items]))
        if isinstance(node, AnyOf):
            return reduce(or_, map(self.q, node.items)) if node.items else Q(sql.constant(False))
        if isinstance(node, Not):
            return ~self.q(node.item)
        if node.op in NEGATIONS:
            return ~self.leaf(node, NEGATIONS[node.op])
        return self.leaf(node, node.op)

    def leaf(self, leaf: Leaf, op: Op) -> Q:
        kind = leaf.ref.kind
        if kind is Kind.EVENT_COUNT:
            return self.event_count(leaf, op)
        if kind is Kind.DAYS_SINCE_LAST:
            return self.days_since_last(leaf, op)
        column = self.column(leaf.ref)
        if kind is Kind.JSON:
            return Q(sql.Predicate(F(column), self.json(leaf, op)))
        if kind is Kind.TAGS:
            build = sql.tags_exist if op is Op.EXISTS else sql.tags_contain(str(leaf.value))
            return Q(sql.Predicate(F(column), build))
        if kind is Kind.TEXT:
            return self.text(column, op, leaf.value)
        if kind is Kind.NUMBER:
            return self.number(column, leaf.ref, op, leaf.value)
        return self.moment(column, op, leaf.value)

    def column(self, ref: FieldRef) -> str:
        if ref.scope is Scope.EVENT:
            if self.root != "event":
                raise ValueError(f"{ref.name} needs an event: compile with root='event'")
            return ref.column
        return self.customer_prefix + ref.column

    def text(self, column: str, op: Op, value: Any) -> Q:
        if op is Op.EXISTS:
            return ~Q(**{column: ""})
        if op is Op.CONTAINS:
            return Q(sql.Predicate(F(column), sql.text_contains(value)))
        if op in ORDERING:
            return Q(sql.Predicate(F(column), sql.text_order(op, value)))
        return Q(**{f"{column}__{'in' if op is Op.IN else 'exact'}": value})

    def number(self, column: str, ref: FieldRef, op: Op, value: Any) -> Q:
        if op is Op.EXISTS:
            return Q(**{f"{column}__isnull": False})
        convert = exact_number if ref.decimal else float
        if op is Op.IN:
            return Q(**{f"{column}__in": [convert(v) for v in value]})
        return Q(**{f"{column}__{'exact' if op is Op.EQ else op.value}": convert(value)})

    def moment(self, column: str, op: Op, value: Any) -> Q:
        if op is Op.EXISTS:
            return Q(**{f"{column}__isnull": False})
        if op is Op.WITHIN_LAST:
            return Q(**{f"{column}__gte": self.now - value, f"{column}__lte": self.now})
        if op is Op.BEFORE:
            return Q(**{f"{column}__lt": self.now - value})
        if op is Op.WITHIN_NEXT:
            return Q(**{f"{column}__gte": self.now, f"{column}__lte": self.now + value})
        return Q(**{f"{column}__{'exact' if op is Op.EQ else op.value}": value})

    def json(self, leaf: Leaf, op: Op) -> sql.Builder:
        keys, value = leaf.ref.keys, leaf.value
        if op is Op.EXISTS:
            return sql.json_exists(keys)
        if op is Op.EQ:
            return sql.json_equals(keys, [value])
        if op is Op.IN:
            assert isinstance(value, tuple)
            return sql.json_equals(keys, list(value))
        if op in ORDERING:
            return sql.json_order(keys, op, value)
        if op is Op.CONTAINS:
            return sql.json_contains(keys, value)
        assert isinstance(value, timedelta)
        if op is Op.WITHIN_LAST:
            return sql.json_moment(keys, self.now - value, self.now)
        if op is Op.BEFORE:
            return sql.json_moment(keys, None, self.now - value)
        return sql.json_moment(keys, self.now, self.now + value)

    # Metrics ----------------------------------------------------------------------------

    def events(self, leaf: Leaf, *, since: datetime | None = None) -> QuerySet[Event]:
        """Events of the leaf's type up to now, from `since`."""
        from apps.customers.models import Event  # conditions load before the app registry

        events = Event.objects.filter(type=leaf.event_type, occurred_at__lte=self.now)
        if since is not None:
            events = events.filter(occurred_at__gte=since)
        return events.order_by()

    def summarised(self, leaf: Leaf, test: tuple[sql.Fragment, sql.Fragment]) -> Q:
        """The test answered from the event summaries (event_stats.py)."""
        assert leaf.event_type is not None
        fast, exact = test
        return Q(sql.EventStatTest(F(self.customer_pk), leaf.event_type, self.now, fast, exact))

    def event_count(self, leaf: Leaf, op: Op) -> Q:
        """count = n is (at least n) and not (at least n + 1); the others likewise."""
        assert isinstance(leaf.value, int)
        n = leaf.value
        since = self.now - leaf.window if leaf.window else None

        def at_least(k: int) -> Q:
            if k <= 0:
                return Q(sql.constant(True))
            if k <= RECENT_KEPT:
                return self.summarised(leaf, sql.stat_at_least(k, since, self.now))
            # More events than a summary row keeps: counted in the events table.
            grouped = (
                self.events(leaf, since=since)
                .values("customer_id")
                .annotate(n=Count("*"))  # COUNT(*): an index-only scan can serve it
                .filter(n__gte=k)
                .values("customer_id")
            )
            return Q(sql.ExistsGrouped(F(self.customer_pk), Subquery(grouped)))

        return _compare_by_thresholds(op, n, at_least)

    def days_since_last(self, leaf: Leaf, op: Op) -> Q:
        """Whole days since the last event up to now, from the summaries: a range for the
        last event's time (days >= n is "last <= now - n days")."""
        assert isinstance(leaf.value, int)
        n = leaf.value

        def ago(days: int) -> datetime:
            return self.now - days * _DAY

        if op is Op.LT:
            after, until = ago(n), None
        elif op is Op.LTE:
            after, until = ago(n + 1), None
        elif op is Op.EQ:
            after, until = ago(n + 1), ago(n)
        else:
            after, until = None, ago(n if op is Op.GTE else n + 1)
        return self.summarised(leaf, sql.stat_last_between(after, until, self.now))


def _summaries_merged(parts: list[Q]) -> list[Q]:
    """AND-ed summary tests of one event type become one: a customer has at most one
    summary row per type, so EXISTS(row: a) AND EXISTS(row: b) is EXISTS(row: a AND b),
    and the summary table is read once (about half the time of a segment such as "3
    purchases in 365 days and none in the last 60")."""
    merged: list[Q] = []
    tests: dict[str, int] = {}  # event type -> index in `merged`
    for part in parts:
        test = part.children[0] if len(part.children) == 1 else None
        if (part.negated or part.connector != Q.AND
                or not isinstance(test, sql.EventStatTest)):
            merged.append(part)
            continue
        if test.event_type in tests:
            index = tests[test.event_type]
            merged[index] = Q(merged[index].children[0].merge(test))
        else:
            tests[test.event_type] = len(merged)
            merged.append(part)
    return merged


def _compare_by_thresholds(op: Op, n: int, at_least: Any) -> Q:
    """An integer comparison written with "value >= k" tests only."""
    if op is Op.GTE:
        return at_least(n)
    if op is Op.GT:
        return at_least(n + 1)
    if op is Op.LT:
        return ~at_least(n)
    if op is Op.LTE:
        return ~at_least(n + 1)
    assert op is Op.EQ
    return at_least(n) & ~at_least(n + 1)
