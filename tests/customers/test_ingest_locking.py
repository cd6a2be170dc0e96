"""The ingest against the drain's locks, replayed step by step on two real PostgreSQL
connections: the drain's COMMIT checks its deferred foreign keys (FOR KEY SHARE on each
customer, in the order it wrote the rows) while the ingest locks the same customers.

Issue 17: with `FOR UPDATE` the two waited for each other and `POST /api/v1/events`
answered 500 (deadlock detected)."""

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from django.db import connection

from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Event

pytestmark = pytest.mark.django_db(transaction=True)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def other() -> Iterator[psycopg.Connection]:
    """A second session, as a worker's would be. Its deadlock timeout is long, so when a
    cycle forms PostgreSQL always picks the ingest as the victim (which it would be
    about half the time in production)."""
    settings = connection.settings_dict
    conn = psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432,
                           user=settings["USER"], password=settings["PASSWORD"] or None,
                           dbname=settings["NAME"])
    conn.execute("SET deadlock_timeout = '20s'")
    yield conn
    conn.rollback()
    conn.close()


def _ingest_in_thread(events: list[EventIn]) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["results"] = events_ingest(events)
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _wait_until_blocked_or_done(conn: psycopg.Connection, thread: threading.Thread) -> bool:
    """True once the ingest waits for a lock, False if it finished without waiting."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not thread.is_alive():
            return False
        conn.execute("SELECT pg_stat_clear_snapshot()")  # else frozen for the transaction
        waiting = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND pid <> pg_backend_pid() AND datname = current_database()").fetchone()[0]
        if waiting:
            return True
        time.sleep(0.02)
    raise AssertionError("the ingest neither finished nor waited")


def _write_event(conn: psycopg.Connection, customer_id: int, key: str) -> None:
    """A row referencing the customer, its foreign key checked now, as COMMIT would."""
    conn.execute(
        f"INSERT INTO {Event._meta.db_table} (customer_id, type, properties, occurred_at, "
        "received_at, idempotency_key, source) VALUES (%s, 'drained', '{}', %s, %s, %s, 'api')",
        [customer_id, NOW, NOW, key])
    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_ingest_does_not_deadlock_with_a_drain_commit_checking_its_foreign_keys(
    other, caplog
):
    """The drain checks its keys on customer b then a; the ingest locks a then b."""
    a = Customer.objects.create(external_id="a")
    b = Customer.objects.create(external_id="b")
    _write_event(other, b.pk, "drain-b")  # FOR KEY SHARE on b, held to its commit

    with caplog.at_level(logging.WARNING, logger="apps.common.retry"):
        thread, outcome = _ingest_in_thread([EventIn("a", "login", idempotency_key="in-a"),
                                             EventIn("b", "login", idempotency_key="in-b")])
        _wait_until_blocked_or_done(other, thread)
        _write_event(other, a.pk, "drain-a")  # FOR KEY SHARE on a
        other.commit()
        thread.join(timeout=30)

    assert "error" not in outcome, outcome.get("error")
    assert [r.duplicate for r in outcome["results"]] == [False, False]
    assert Event.objects.filter(idempotency_key__in=["in-a", "in-b", "drain-a", "drain-b"]) \
        .count() == 4
    assert [r.message for r in caplog.records] == []  # no deadlock to retry at all


def test_a_deadlock_the_ingest_cannot_avoid_is_retried_whole(other, caplog):
    """A worker updating customers b then a (a profile change) still forms a cycle with
    the ingest's row locks: the ingest, chosen as the victim, rolls back and runs again
    once the other side is through, and every event is stored once."""
    a = Customer.objects.create(external_id="a")
    b = Customer.objects.create(external_id="b")
    table = Customer._meta.db_table
    other.execute(f"UPDATE {table} SET first_name = 'B' WHERE id = %s", [b.pk])

    with caplog.at_level(logging.WARNING, logger="apps.common.retry"):
        thread, outcome = _ingest_in_thread([EventIn("a", "login", idempotency_key="in-a"),
                                             EventIn("b", "login", idempotency_key="in-b")])
        assert _wait_until_blocked_or_done(other, thread)
        other.execute(f"UPDATE {table} SET first_name = 'A' WHERE id = %s", [a.pk])
        other.commit()
        thread.join(timeout=30)

    assert "error" not in outcome, outcome.get("error")
    assert [r.duplicate for r in outcome["results"]] == [False, False]
    assert Event.objects.filter(idempotency_key__in=["in-a", "in-b"]).count() == 2
    assert len(caplog.records) == 1 and "deadlock" in caplog.records[0].getMessage().lower()
    assert dict(Customer.objects.values_list("external_id", "first_name")) == \
        {"a": "A", "b": "B"}
