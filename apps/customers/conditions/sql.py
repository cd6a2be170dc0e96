"""Boolean SQL fragments for the tests the ORM has no lookup for (JSON kinds, code-point
string order, ISO dates inside JSON), written for PostgreSQL and for SQLite (`make run`).

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
from apps.customers.event_stats import TABLE, event_stats_enabled

Fragment = tuple[str, list[Any]]
Builder = Callable[[str, str], Fragment]  # (vendor, column sql) -> (sql, params)

SQL_OPERATORS = {Op.LT: "<", Op.LTE: "<=", Op.GT: ">", Op.GTE: ">=", Op.EQ: "="}


class Predicate(Expression):
    """A boolean test over at most one column, rendered by a per-database builder."""

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
        if connection.vendor not in ("postgresql", "sqlite"):
            raise NotImplementedError(
                f"conditions support PostgreSQL and SQLite, not {connection.vendor}"
            )
        return self.build(connection.vendor, column_sql)


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
    return Predicate(None, lambda vendor, col: ("TRUE" if value else "FALSE", []))


def _keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    # Keys are inlined as SQL literals; the field grammar allows no quote, so re-check it.
    assert all(KEY_PATTERN.fullmatch(key) for key in keys)
    return keys


def _pg_value(col: str, keys: tuple[str, ...], text: bool = False) -> str:
    *head, last = _keys(keys)
    path = "".join(f" -> '{key}'" for key in head)
    return f"({col}{path} {'->>' if text else '->'} '{last}')"


def _sqlite_path(keys: tuple[str, ...]) -> str:
    return "'$" + "".join(f'."{key}"' for key in _keys(keys)) + "'"


def _nested(keys: tuple[str, ...], value: Any) -> Any:
    for key in reversed(keys):
        value = {key: value}
    return value


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _sqlite_kind(value: Any) -> str:
    return {"number": "IN ('integer', 'real')", "string": "= 'text'"}.get(
        json_kind(value), f"= '{'true' if value else 'false'}'"
    )


def json_exists(keys: tuple[str, ...]) -> Builder:
    def build(vendor: str, col: str) -> Fragment:
        if vendor == "postgresql":
            return f"COALESCE(jsonb_typeof({_pg_value(col, keys)}) <> 'null', FALSE)", []
        return f"COALESCE(json_type({col}, {_sqlite_path(keys)}) <> 'null', FALSE)", []

    return build


def json_equals(keys: tuple[str, ...], values: Sequence[Any]) -> Builder:
    """Same kind and equal to one of the values. One value compiles to containment (@>),
    which a GIN index on the column can serve."""

    def build(vendor: str, col: str) -> Fragment:
        if vendor == "postgresql":
            if len(values) == 1:
                return f"({col} @> %s::jsonb)", [json.dumps(_nested(keys, values[0]))]
            return (
                f"COALESCE({_pg_value(col, keys)} = ANY(%s::jsonb[]), FALSE)",
                [[json.dumps(v) for v in values]],
            )
        path = _sqlite_path(keys)
        tests = [
            f"(json_type({col}, {path}) {_sqlite_kind(v)}"
            + ("" if json_kind(v) == "boolean" else f" AND json_extract({col}, {path}) = %s")
            + ")"
            for v in values
        ]
        params = [v for v in values if json_kind(v) != "boolean"]
        return f"COALESCE({' OR '.join(tests)}, FALSE)", params

    return build


def json_order(keys: tuple[str, ...], op: Op, value: Any) -> Builder:
    """lt/lte/gt/gte between a JSON number and a number, or a JSON string and a string."""
    sign = SQL_OPERATORS[op]
    number = json_kind(value) == "number"

    def build(vendor: str, col: str) -> Fragment:
        if vendor == "postgresql":
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
        path = _sqlite_path(keys)
        return (
            f"COALESCE(json_type({col}, {path}) {_sqlite_kind(value)} AND "
            f"json_extract({col}, {path}) {sign} %s, FALSE)",
            [value],
        )

    return build


def json_contains(keys: tuple[str, ...], value: Any) -> Builder:
    """A JSON string containing the text, or a JSON array with the value as an element."""
    is_text = isinstance(value, str)

    def build(vendor: str, col: str) -> Fragment:
        if vendor == "postgresql":
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
        path = _sqlite_path(keys)
        member, member_params = _sqlite_member(f"json_each({col}, {path})", value)
        if is_text:
            return (
                f"COALESCE(CASE json_type({col}, {path}) WHEN 'text' THEN "
                f"instr(json_extract({col}, {path}), %s) > 0 WHEN 'array' THEN {member} "
                f"ELSE FALSE END, FALSE)",
                [value, *member_params],
            )
        return (f"COALESCE(json_type({col}, {path}) = 'array' AND {member}, FALSE)", member_params)

    return build


def _sqlite_member(source: str, value: Any) -> Fragment:
    kind = {"number": "IN ('integer', 'real')", "string": "= 'text'"}.get(json_kind(value))
    if kind is None:
        return (
            f"EXISTS (SELECT 1 FROM {source} AS j WHERE j.type = '{'true' if value else 'false'}')",
            [],
        )
    return f"EXISTS (SELECT 1 FROM {source} AS j WHERE j.type {kind} AND j.value = %s)", [value]


def json_moment(keys: tuple[str, ...], since: datetime | None, until: datetime) -> Builder:
    """A JSON string holding an ISO-8601 date in [since, until], or before `until` when
    `since` is None (the relative `before`).

    PostgreSQL runs the date regex (about 2 µs a row) only on strings whose YYYY-MM-DD
    prefix can fall in range: an offset moves the local date at most a day either way."""

    def build(vendor: str, col: str) -> Fragment:
        if vendor == "postgresql":
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
        path = _sqlite_path(keys)
        value = f"json_extract({col}, {path})"
        if since is None:
            test, sqlite_params = f"julianday({value}) < julianday(%s)", [_utc(until)]
        else:
            test = f"julianday({value}) BETWEEN julianday(%s) AND julianday(%s)"
            sqlite_params = [_utc(since), _utc(until)]
        return (
            f"COALESCE(CASE WHEN json_type({col}, {path}) = 'text' AND {value} REGEXP %s "
            f"THEN {test} ELSE FALSE END, FALSE)",
            [ISO_DATETIME, *sqlite_params],
        )

    return build


def _day(moment: datetime, shift_days: int) -> str:
    """The UTC calendar day `shift_days` away, as YYYY-MM-DD (a string bound)."""
    return (moment.astimezone(UTC) + timedelta(days=shift_days)).date().isoformat()


def text_order(op: Op, value: str) -> Builder:
    """lt/lte/gt/gte on a text column by code point, as Python compares strings."""
    sign = SQL_OPERATORS[op]

    def build(vendor: str, col: str) -> Fragment:
        collate = ' COLLATE "C"' if vendor == "postgresql" else ""
        return f"COALESCE(({col}{collate}) {sign} %s, FALSE)", [value]

    return build


def text_contains(value: str) -> Builder:
    def build(vendor: str, col: str) -> Fragment:
        function = "strpos" if vendor == "postgresql" else "instr"
        return f"COALESCE({function}({col}, %s) > 0, FALSE)", [value]

    return build


def tags_contain(value: str) -> Builder:
    def build(vendor: str, col: str) -> Fragment:
        if vendor == "postgresql":
            return f"({col} @> %s::jsonb)", [json.dumps([value])]
        member, params = _sqlite_member(f"json_each({col})", value)
        return f"COALESCE(json_type({col}) = 'array' AND {member}, FALSE)", params

    return build


def tags_exist(vendor: str, col: str) -> Fragment:
    if vendor == "postgresql":
        return f"(jsonb_typeof({col}) = 'array' AND {col} <> '[]'::jsonb)", []
    return f"COALESCE(json_type({col}) = 'array' AND json_array_length({col}) > 0, FALSE)", []


class EventStatTest(Expression):
    """A per-customer metric test answered from the event summaries (event_stats.py):

        EXISTS (SELECT 1 FROM customers_eventstat AS s
                WHERE s.customer_id = <outer> AND s.type = <type>
                  AND CASE WHEN s.recent[1] <= <now> THEN <fast> ELSE <exact> END)

    `fast` reads the row (`s.count`, `s.recent`, newest first) and is exact when no event
    of the row is after `now`; `exact` asks the events table for the rare rows that have
    such events. The test is true iff the customer has an event of the type and the
    metric holds; a customer without events of the type has no row. Databases without the
    summaries (SQLite) compile `otherwise`, the same test over the events table."""

    output_field = BooleanField()

    def __init__(self, outer: Expression, event_type: str, now: datetime, fast: Fragment,
                 exact: Fragment, otherwise: Any) -> None:
        super().__init__(output_field=BooleanField())
        self.outer, self.otherwise = outer, otherwise
        self.event_type, self.now, self.fast, self.exact = event_type, now, fast, exact

    def get_source_expressions(self) -> list[Expression]:
        return [self.outer, self.otherwise]

    def merge(self, other: EventStatTest) -> EventStatTest:
        """Both tests on the same summary row (same customer, type and now)."""
        assert (other.outer, other.event_type, other.now) == (
            self.outer, self.event_type, self.now)

        def both(a: Fragment, b: Fragment) -> Fragment:
            return f"({a[0]} AND {b[0]})", [*a[1], *b[1]]

        return EventStatTest(self.outer, self.event_type, self.now,
                             both(self.fast, other.fast), both(self.exact, other.exact),
                             self.otherwise & other.otherwise)

    def set_source_expressions(self, exprs: Sequence[Expression]) -> None:
        self.outer, self.otherwise = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Fragment:
        if not event_stats_enabled(connection.vendor):
            return compiler.compile(self.otherwise)
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
