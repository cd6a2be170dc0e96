"""Date-time query filters are normalised to UTC, so any offset the parser accepts is safe
for PostgreSQL (which refuses offsets beyond ±15:59)."""

from datetime import UTC, datetime

import pytest

from apps.customers.ingest import EventIn, events_ingest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("since=2026-03-01T00:00:00Z", ["late"], id="utc"),
        pytest.param("since=2026-02-28T05:00:00-19:00", ["late"], id="offset-beyond-postgres"),
        pytest.param("until=2026-03-01T19:00:00%2B19:00", ["early"], id="positive-big-offset"),
        pytest.param("since=0001-01-01T00:00:00-01:00", ["late", "early"], id="year-one"),
    ],
)
def test_date_time_filters_accept_any_parsed_offset(key_client, query, expected):
    events_ingest([
        EventIn("c1", "t", occurred_at=datetime(2026, 2, 28, 12, tzinfo=UTC),
                idempotency_key="early"),
        EventIn("c1", "t", occurred_at=datetime(2026, 3, 2, tzinfo=UTC), idempotency_key="late"),
    ])

    response = key_client("read").get(f"/api/v1/events?{query}")

    assert response.status_code == 200
    assert [e["idempotency_key"] for e in response.json()["results"]] == expected


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("since=0001-01-01T00:00:00%2B01:00", id="before-year-one-in-utc"),
        pytest.param("until=9999-12-31T23:00:00-02:00", id="after-9999-in-utc"),
        pytest.param("since=yesterday", id="not-a-date"),
    ],
)
def test_date_time_out_of_range_or_unparsable_is_400(key_client, query):
    response = key_client("read").get(f"/api/v1/events?{query}")

    field = query.partition("=")[0]
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
