"""Builders shared by the condition tests: leaves, a fixed clock, and a throwaway SQLite
database (the `make run` engine) to run compiled conditions on."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import DatabaseWrapper as SqliteWrapper
from django.db.models import Model, QuerySet
from django.db.models.sql import InsertQuery
from django.db.utils import ConnectionHandler

from apps.customers.models import Customer, Event

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
_ABSENT = object()


def leaf(field: str, op: str, value: Any = _ABSENT, **extra: Any) -> dict[str, Any]:
    node = {"field": field, "op": op, **extra}
    if value is not _ABSENT:
        node["value"] = value
    return node


@contextmanager
def sqlite_database() -> Iterator[BaseDatabaseWrapper]:
    """An in-memory SQLite database holding the customer and event tables."""
    # Its own alias: anything that looked the alias up globally would fail, not quietly
    # use the test database.
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3",
                                             "NAME": ":memory:"}})
    connection = SqliteWrapper(handler.settings["default"], alias="conditions_sqlite")
    with connection.schema_editor(atomic=False) as editor:
        editor.create_model(Customer)
        editor.create_model(Event)
    try:
        yield connection
    finally:
        connection.close()


def sqlite_insert(connection: BaseDatabaseWrapper, obj: Model) -> None:
    query = InsertQuery(type(obj))
    query.insert_values(list(obj._meta.local_concrete_fields), [obj])
    query.get_compiler(connection=connection).execute_sql(returning_fields=None)


def sqlite_values(connection: BaseDatabaseWrapper, queryset: QuerySet, field: str) -> set[Any]:
    sql, params = queryset.values_list(field).query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}
