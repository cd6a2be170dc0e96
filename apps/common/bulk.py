"""Writing many rows cheaply, for the engine's batches of runs.

`IdReserve` hands out primary keys before the rows are written, so rows made in memory
during a batch can be referred to (a block's output names its message) and inserted at
the end. `rows_insert` writes rows with PostgreSQL's COPY: Django's bulk_create compiles
an INSERT with every value quoted in Python, which cost a batch of runs more than all
its blocks together; COPY formats the rows in psycopg's C code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, models


class IdReserve:
    """Ids of `model`'s table, reserved `chunk` at a time from its sequence (PostgreSQL)."""

    def __init__(self, model: type[models.Model], chunk: int = 16) -> None:
        self.table = model._meta.db_table
        self.column = model._meta.pk.column
        self.chunk = max(1, chunk)
        self._free: list[int] = []

    def next(self) -> int:
        if not self._free:
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                               "FROM generate_series(1, %s)",
                               [self.table, self.column, self.chunk])
                self._free = [row[0] for row in cursor.fetchall()][::-1]
        return self._free.pop()


def rows_insert(objs: Sequence[models.Model]) -> None:
    """Insert these new model instances. Their primary keys are written if set (all or
    none), else the database assigns them and they are not read back."""
    if not objs:
        return
    model = type(objs[0])
    with_pk = objs[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    auto_now = [f for f in fields if getattr(f, "auto_now", False)
                or getattr(f, "auto_now_add", False)]
    names = [f.attname for f in fields]
    for obj in objs:
        for field in auto_now:
            field.pre_save(obj, True)
    values_insert(model, names, [[obj.__dict__[name] for name in names] for obj in objs])


def values_insert(model: type[models.Model], names: Sequence[str],
                  rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows given as values of the fields `names` (attribute names, e.g.
    `run_id`), without making model instances (each costs tens of microseconds)."""
    if not rows:
        return
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    fields = [by_attname[name] for name in names]
    # COPY's text format is parsed by each column's type: plain values suit it, JSON is
    # dumped here.
    dump = [isinstance(f, models.JSONField) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(value) if as_json and value is not None else value
                            for value, as_json in zip(row, dump, strict=True)])



def rows_update(objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """Save these fields of these rows with one UPDATE … FROM json_to_recordset(rows)
    (the rows should be locked by the caller). Django's bulk_update builds a CASE
    expression per field and row; a VALUES list has a placeholder per value, which psycopg
    splits out of the long statement again on every call, and arrays are quoted value by
    value in Python. Here the rows are one JSON document, encoded in C, and the
    statement's text depends only on the fields."""
    if not objs:
        return
    meta = type(objs[0])._meta
    fields = [meta.pk, *(meta.get_field(name) for name in names)]
    quote = connection.ops.quote_name
    columns = [f.column for f in fields]
    rows = json.dumps([{f.column: getattr(obj, f.attname) for f in fields} for obj in objs],
                      default=_json_default)
    record = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    pk = quote(columns[0])
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
            f"FROM json_to_recordset(%s::json) AS v({record}) WHERE t.{pk} = v.{pk}", [rows])


def _json_default(value: Any) -> str:
    """Dates and times as ISO 8601, decimals and UUIDs as text: what each column's type
    reads back."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be written by rows_update")
