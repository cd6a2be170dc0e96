"""Boolean SQL fragments for the tests the ORM has no lookup for (JSON kinds, code-point
string order, ISO dates inside JSON), written for PostgreSQL, the one database Keepflow
runs on (SQLite's variants went with `make run`'s SQLite: DESIGN.md, "Run modes").

Every fragment is TRUE or FALSE, never NULL, so NOT/AND/OR keep Python's two-valued logic.
PostgreSQL fragments avoid casts that can fail: a date string is cast only after a regex
has proven it a valid calendar date (values.ISO_DATETIME)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import BooleanField, Expression

from apps.customers.conditions.fields import KEY_PATTERN
from apps.customers.conditions.nodes import Op
from apps.customers.conditions.values import ISO_DATETIME, ISO_HAS_OFFSET, json_kind
from apps.customers.event_stats import TABLE

Fragment = tuple[str, list[Any]]
Builder = Callable[[str], Fragment]  # column sql -> (sql, params)

SQL_OPERATORS = {Op.LT: "<", Op.LTE: "<=", Op.GT: ">", Op.GTE: ">=", Op.EQ: "="}


class Predicate(Expression):
    """A boolean test over at most one column, rendered by a builder."""

    output_field = BooleanField()

    def __init__(self, column: Expression | None, build: Builder) -> None:
        super().__init__(output_field=BooleanField())
        self.column = column
        self.build = build

    def get_source_expressions(self) -> list[Expression]:
        return [self.column] if self.column is not None else []

    def set_source_expressions(self, exprs: Sequence[Expression]) -> None:
        self.column = exprs[0] if exprs else None

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Fragment:
        column_sql = ""
        if self.column is not None:
            column_sql, column_params = compiler.compile(self.column)
            assert not column_params, "columns are plain references"
        return self.build(column_sql)


class ExistsGrouped(Expression):
    """EXISTS (SELECT 1 FROM (<grouped subquery>) AS g WHERE g.customer_id = <outer>).

    With the GROUP BY inside a derived table, PostgreSQL turns EXISTS and NOT EXISTS into
    hash semi/anti joins built once; `id NOT IN (<grouped subquery>)` would be rebuilt
    in every parallel worker, and a correlated count would probe once per customer."""

    output_field = BooleanField()

    def __init__(self, outer: Expression, grouped: Expression) -> None:
        super().__init__(output_field=BooleanField())
        self.outer = outer
        self.grouped = grouped

    def get_source_expressions(self) -> list[Expression]:
        return [self.outer, self.grouped]

    def set_source_expressions(self, exprs: Sequence[Expression]) -> None:
        self.outer, self.grouped = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Fragment:
        outer_sql, outer_params = compiler.compile(self.outer)
        grouped_sql, grouped_params = compiler.compile(self.grouped)
        return (
            f"EXISTS (SELECT 1 FROM {grouped_sql} AS counted "
            f"WHERE counted.customer_id = {outer_sql})",
            [*grouped_params, *outer_params],
        )


def constant(value: bool) -> Predicate:
    return Predicate(None, lambda col: ("TRUE" if value else "FALSE", []))


def _keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    # Keys are inlined as SQL literals; the field grammar allows no quote, so re-check it.
    assert all(KEY_PATTERN.fullmatch(key) for key in keys)
    return keys


def _pg_value(col: str, keys: tuple[str, ...], text: bool = False) -> str:
    *head, last = _keys(keys)
    path = "".join(f" -> '{key}'" for key in head)
    return f"({col}{path} {'->>' if text else '->'} '{last}')"


def _nested(keys: tuple[str, ...], value: Any) -> Any:
    for key in reversed(keys):
        value = {key: value}
    return value


def json_exists(keys: tuple[str, ...]) -> Builder:
    def build(col: str) -> Fragment:
        return f"COALESCE(jsonb_typeof({_pg_value(col, keys)}) <> 'null', FALSE)", []

    return build


def json_equals(keys: tuple[str, ...], values: Sequence[Any]) -> Builder:
    """Same kind and equal to one of the values. One value compiles to containment (@>),
    which a GIN index on the column can serve."""

    def build(col: str) -> Fragment:
        if len(values) == 1:
            return f"({col} @> %s::jsonb)", [json.dumps(_nested(keys, values[0]))]
        return (
            f"COALESCE({_pg_value(col, keys)} = ANY(%s::jsonb[]), FALSE)",
            [[json.dumps(v) for v in values]],
        )

    return build


def json_order(keys: tuple[str, ...], op: Op, value: Any) -> Builder:
    """lt/lte/gt/gte between a JSON number and a number, or a JSON string and a string."""
    sign = SQL_OPERATORS[op]
    number = json_kind(value) == "number"

    def build(col: str) -> Fragment:
        if number:
            x = _pg_value(col, keys)
            return (
                f"COALESCE(jsonb_typeof({x}) = 'number' AND {x} {sign} %s::jsonb, FALSE)",
                [json.dumps(value)],
            )
        return (
            f"COALESCE(jsonb_typeof({_pg_value(col, keys)}) = 'string' AND "
            f'({_pg_value(col, keys, text=True)} COLLATE "C") {sign} %s, FALSE)',
            [value],
        )

    return build


def json_contains(keys: tuple[str, ...], value: Any) -> Builder:
    """A JSON string containing the text, or a JSON array with the value as an element."""
    is_text = isinstance(value, str)

    def build(col: str) -> Fragment:
        x = _pg_value(col, keys)
        element = f"{x} @> %s::jsonb"
        if is_text:
            return (
                f"COALESCE(CASE jsonb_typeof({x}) WHEN 'string' THEN strpos("
                f"{_pg_value(col, keys, text=True)}, %s) > 0 WHEN 'array' THEN "
                f"{element} ELSE FALSE END, FALSE)",
                [value, json.dumps([value])],
            )
        return (
            f"COALESCE(jsonb_typeof({x}) = 'array' AND {element}, FALSE)",
            [json.dumps([value])],
        )

    return build


def json_moment(keys: tuple[str, ...], since: datetime | None, until: datetime) -> Builder:
    """A JSON string holding an ISO-8601 date in [since, until], or before `until` when
    `since` is None (the relative `before`).

    The query runs the date regex (about 2 µs a row) only on strings whose YYYY-MM-DD
    prefix can fall in range: an offset moves the local date at most a day either way."""

    def build(col: str) -> Fragment:
        x, text = _pg_value(col, keys), _pg_value(col, keys, text=True)
        moment = (
            f"(CASE WHEN {text} ~ %s THEN {text}::timestamptz "
            f"ELSE ({text}::timestamp AT TIME ZONE 'UTC') END)"
        )
        prefix = f'({text} COLLATE "C") < %s'
        params: list[Any] = [_day(until, 2)]
        if since is None:
            test, test_params = f"{moment} < %s", [ISO_HAS_OFFSET, until]
        else:
            prefix = f'({text} COLLATE "C") >= %s AND {prefix}'
            params.insert(0, _day(since, -1))
            test, test_params = (
                f"tstzrange(%s, %s, '[]') @> {moment}",
                [since, until, ISO_HAS_OFFSET],
            )
        return (
            f"COALESCE(CASE WHEN jsonb_typeof({x}) = 'string' AND {prefix} AND "
            f"{text} ~ %s THEN {test} ELSE FALSE END, FALSE)",
            [*params, ISO_DATETIME, *test_params],
        )

    return build


def _day(moment: datetime, shift_days: int) -> str:
    """The UTC calendar day `shift_days` away, as YYYY-MM-DD (a string bound)."""
    return (moment.astimezone(UTC) + timedelta(days=shift_days)).date().isoformat()


def text_order(op: Op, value: str) -> Builder:
    """lt/lte/gt/gte on a text column by code point, as Python compares strings."""
    sign = SQL_OPERATORS[op]

    def build(col: str) -> Fragment:
        return f'COALESCE(({col} COLLATE "C") {sign} %s, FALSE)', [value]

    return build


def text_contains(value: str) -> Builder:
    def build(col: str) -> Fragment:
        return f"COALESCE(strpos({col}, %s) > 0, FALSE)", [value]

    return build


def tags_contain(value: str) -> Builder:
    def build(col: str) -> Fragment:
        return f"({col} @> %s::jsonb)", [json.dumps([value])]

    return build


def tags_exist(col: str) -> Fragment:
    return f"(jsonb_typeof({col}) = 'array' AND {col} <> '[]'::jsonb)", []


class EventStatTest(Expression):
    """A per-customer metric test answered from the event summaries (event_stats.py):

        EXISTS (SELECT 1 FROM customers_eventstat AS s
                WHERE s.customer_id = <outer> AND s.type = <type>
                  AND CASE WHEN s.recent[1] <= <now> THEN <fast> ELSE <exact> END)

    `fast` reads the row (`s.count`, `s.recent`, newest first) and is exact when no event
    of the row is after `now`; `exact` asks the events table for the rare rows that have
    such events. The test is true iff the customer has an event of the type and the
    metric holds; a customer without events of the type has no row."""

    output_field = BooleanField()

    def __init__(self, outer: Expression, event_type: str, now: datetime, fast: Fragment,
                 exact: Fragment) -> None:
        super().__init__(output_field=BooleanField())
        self.outer = outer
        self.event_type, self.now, self.fast, self.exact = event_type, now, fast, exact

    def get_source_expressions(self) -> list[Expression]:
        return [self.outer]

    def merge(self, other: EventStatTest) -> EventStatTest:
        """Both tests on the same summary row (same customer, type and now)."""
        assert (other.outer, other.event_type, other.now) == (
            self.outer, self.event_type, self.now)

        def both(a: Fragment, b: Fragment) -> Fragment:
            return f"({a[0]} AND {b[0]})", [*a[1], *b[1]]

        return EventStatTest(self.outer, self.event_type, self.now,
                             both(self.fast, other.fast), both(self.exact, other.exact))

    def set_source_expressions(self, exprs: Sequence[Expression]) -> None:
        (self.outer,) = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Fragment:
        outer_sql, outer_params = compiler.compile(self.outer)
        (fast_sql, fast_params), (exact_sql, exact_params) = self.fast, self.exact
        return (
            f"EXISTS (SELECT 1 FROM {TABLE} AS s WHERE s.customer_id = {outer_sql} "
            f"AND s.type = %s AND CASE WHEN s.recent[1] <= %s THEN {fast_sql} "
            f"ELSE {exact_sql} END)",
            [*outer_params, self.event_type, self.now, *fast_params, *exact_params],
        )


def stat_at_least(k: int, since: datetime | None, now: datetime) -> tuple[Fragment, Fragment]:
    """(fast, exact) for "at least k events in [since, now]" (since None: ever); k >= 1
    and at most RECENT_KEPT."""
    exact: Fragment = ("(customers_eventstat_count(s.customer_id, s.type, %s, %s) >= %s)",
                       [since, now, k])
    if since is None:
        return ("(s.count >= %s)", [k]), exact
    return (f"COALESCE(s.recent[{int(k)}] >= %s, FALSE)", [since]), exact


def stat_last_between(
    after: datetime | None, until: datetime | None, now: datetime
) -> tuple[Fragment, Fragment]:
    """(fast, exact) for "the last event up to now is in (after, until]" (None: open)."""
    bounds = [(sign, moment) for sign, moment in [(">", after), ("<=", until)]
              if moment is not None]
    if not bounds:
        return ("TRUE", []), ("(customers_eventstat_last(s.customer_id, s.type, %s) "
                              "IS NOT NULL)", [now])
    last = "customers_eventstat_last(s.customer_id, s.type, %s)"
    fast: Fragment = (" AND ".join(f"s.recent[1] {sign} %s" for sign, _ in bounds),
                      [moment for _, moment in bounds])
    exact: Fragment = (
        "COALESCE(" + " AND ".join(f"{last} {sign} %s" for sign, _ in bounds) + ", FALSE)",
        [p for _, moment in bounds for p in (now, moment)],
    )
    return (f"({fast[0]})", fast[1]), exact
