"""The PostgreSQL backend's health check (apps/common/postgresql): a kept connection is
checked with `SELECT 1` at most once a second; one that died since its last check is
replaced; one that died within the second fails one request with a 503 that says to send
it again, and the next request goes through on a new connection. And the hot paths'
statements that ask to be prepared are prepared, where Django's own queries are not."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from apps.accounts.services import api_key_create
from apps.common.postgresql import base
from apps.customers.models import Event
from tests.database import backend_kill

pytestmark = pytest.mark.django_db(transaction=True)

EVENT = {"customer_id": "c-1", "type": "login"}


@pytest.fixture
def checks(monkeypatch) -> Iterator[list[int]]:
    """Health checks on, as in production; each real `SELECT 1` check is recorded."""
    made: list[int] = []
    real = connection.is_usable

    def is_usable() -> bool:
        made.append(connection.connection.info.backend_pid)
        return real()

    monkeypatch.setattr(connection, "is_usable", is_usable)
    # connect() reads the setting again: a connection opened during the test keeps it
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    enabled = connection.health_check_enabled
    connection.health_check_enabled = True
    yield made
    connection.health_check_enabled = enabled


def new_request() -> None:
    connection.health_check_done = False  # what Django does when a request starts


def query() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        return int(cursor.fetchone()[0])


def test_a_connection_checked_within_the_second_is_not_checked_again(checks):
    connection.ensure_connection()
    connection.checked_at = -math.inf
    new_request()
    assert query() == 42
    assert len(checks) == 1  # checked: the last check was long ago
    for _ in range(5):
        new_request()
        assert query() == 42
    assert len(checks) == 1  # five more requests within the second: no SELECT 1


def test_a_connection_that_died_since_its_last_check_is_replaced(checks):
    dead = backend_kill()
    connection.checked_at = -math.inf
    new_request()
    assert query() == 42
    assert checks == [dead]
    assert connection.connection.info.backend_pid != dead


def test_the_setting_off_means_no_check_at_all(checks):
    connection.ensure_connection()
    connection.health_check_enabled = False
    connection.checked_at = -math.inf
    new_request()
    assert query() == 42
    assert checks == []


def test_a_connection_that_died_within_the_second_fails_one_request_with_503(
        checks, monkeypatch):
    monkeypatch.setattr(base, "CHECK_EVERY_SECONDS", 60.0)  # a first request can take 1 s
    _, raw = api_key_create(name="crm", scopes=["events:write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    dead = backend_kill()
    connection.checked_at = base.time.monotonic()  # checked a moment ago
    new_request()
    answer = client.post("/api/v1/events", EVENT, format="json")
    assert answer.status_code == 503, answer.content
    assert answer["Retry-After"] == "2"
    assert answer.json() == {"detail": "The database did not answer this request. Send it "
                                       "again in a few seconds.", "errors": []}
    close_old_connections()  # what Django does between requests (the test client does not)
    again = client.post("/api/v1/events", EVENT, format="json")  # the client's retry
    assert again.status_code == 202, again.content
    assert connection.connection.info.backend_pid != dead
    assert Event.objects.count() == 1


def prepared_statements() -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans FROM pg_prepared_statements")
        return cursor.fetchall()


def test_the_ingest_statement_is_prepared_once_and_then_not_planned_again():
    from apps.customers.ingest import EventIn, events_ingest

    # Given a new connection (Django would open psycopg's with prepared statements off)
    connection.close()
    # When eight single events are stored, each by its one statement in autocommit
    for n in range(8):
        events_ingest([EventIn(f"c-{n}", "login", idempotency_key=f"prepared-{n}")])
    # Then the connection holds that one statement, prepared, and PostgreSQL runs it
    # with its generic plan after the first few calls, instead of planning every call
    prepared = prepared_statements()
    assert len(prepared) == 1, prepared
    statement, generic_plans = prepared[0]
    assert '"customers_eventpending"' in statement
    assert generic_plans >= 1
    # and Django's own queries (client-side binding) were never prepared
    assert Event.objects.filter(type="login").count() == 8
    assert Event.objects.filter(type="login").count() == 8
    assert len(prepared_statements()) == 1
