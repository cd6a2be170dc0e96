"""GET /api/v1/stats: exact figures on known data, and who may read them."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.customers.models import Customer, Event, Segment
from apps.web.stats import stats_overview

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def history(db):
    """Two customers (and one erased) with events placed around the windows' edges."""
    ana = Customer.objects.create(external_id="ana")
    bob = Customer.objects.create(external_id="bob")
    Customer.objects.create(external_id="erased:1", erased_at=NOW)
    Segment.objects.create(name="Everyone", condition={"all": []})
    placed = [
        (ana, "purchase", timedelta(hours=1)),        # today
        (ana, "purchase", timedelta(hours=23)),       # yesterday, within 24h
        (bob, "feedback.submitted", timedelta(hours=25)),  # outside 24h
        (bob, "purchase", timedelta(days=6, hours=23)),    # inside 7d
        (bob, "purchase", timedelta(days=7, hours=1)),     # outside 7d
        (ana, "session.started", timedelta(days=29)),      # first day of the 30-day window
        (ana, "session.started", timedelta(days=31)),      # before the window
        (bob, "purchase", -timedelta(hours=2)),            # in the future: not counted yet
    ]
    for index, (customer, type_, ago) in enumerate(placed):
        Event.objects.create(customer=customer, type=type_, occurred_at=NOW - ago,
                             received_at=NOW, idempotency_key=f"k{index}")


def test_stats_overview_counts_exactly(history):
    # When the figures are taken at NOW
    stats = stats_overview(NOW)
    # then the counts follow the windows exactly
    assert {k: stats[k] for k in ("customers", "events_total", "events_last_24h",
                                   "events_last_7d", "segments")} == {
        "customers": 2, "events_total": 8, "events_last_24h": 2, "events_last_7d": 4,
        "segments": 1,
    }
    per_day = {p["date"]: p["count"] for p in stats["events_per_day"]}
    assert len(stats["events_per_day"]) == 30
    assert stats["events_per_day"][0]["date"] == date(2026, 2, 9)
    assert stats["events_per_day"][-1]["date"] == date(2026, 3, 10)
    assert {day: n for day, n in per_day.items() if n} == {
        date(2026, 3, 10): 1, date(2026, 3, 9): 2, date(2026, 3, 3): 2,
        date(2026, 2, 9): 1,
    }
    assert stats["event_types"] == [
        {"type": "purchase", "count": 4},
        {"type": "feedback.submitted", "count": 1},
        {"type": "session.started", "count": 1},
    ]


def test_stats_count_the_customers_at_risk_and_their_value(db, settings):
    # Given a threshold of 0.7 and five scored customers (one erased), one unscored
    settings.KEEPFLOW_INSIGHTS = {**settings.KEEPFLOW_INSIGHTS, "CHURN_SCORE_THRESHOLD": 0.7}
    for external_id, score, tier, clv, erased in [
        ("vip-risky", 0.9, "vip", "1200.50", None),
        ("std-risky", 0.7, "standard", "100.00", None),   # at the threshold: at risk
        ("high-safe", 0.2, "high", "900.00", None),
        ("low-risky-no-clv", 0.8, "low", None, None),
        ("erased-risky", 0.95, "vip", "5000.00", NOW),
    ]:
        Customer.objects.create(external_id=external_id, churn_score=score, tier=tier,
                                clv=clv, erased_at=erased)
    Customer.objects.create(external_id="new")

    risk = stats_overview(NOW)["at_risk"]

    # Then: 3 at risk (vip, standard, low), 1 of them high-value, 1,200.50 + 100.00 at stake
    assert risk == {"threshold": 0.7, "scored": 4, "customers": 3, "high_value": 1,
                    "value": Decimal("1300.50")}


def test_stats_overview_on_an_empty_database_has_zero_days(db):
    stats = stats_overview(NOW)
    assert stats["customers"] == stats["events_last_7d"] == stats["segments"] == 0
    assert [p["count"] for p in stats["events_per_day"]] == [0] * 30
    assert stats["event_types"] == []
    assert stats["at_risk"]["customers"] == 0 and stats["at_risk"]["value"] == Decimal("0")


def test_stats_api_returns_the_figures(client_as):
    # Given events an hour, two days and ten days ago
    customer = Customer.objects.create(external_id="ana")
    now = timezone.now()
    for index, ago in enumerate([timedelta(hours=1), timedelta(days=2), timedelta(days=10)]):
        Event.objects.create(customer=customer, type="purchase", occurred_at=now - ago,
                             received_at=now, idempotency_key=f"k{index}")
    # when a viewer asks for the stats
    response = client_as("viewer").get("/api/v1/stats")
    # then the figures match
    body = response.json()
    assert response.status_code == 200
    assert (body["customers"], body["events_total"], body["events_last_24h"],
            body["events_last_7d"], body["segments"]) == (1, 3, 1, 2, 0)
    assert sum(p["count"] for p in body["events_per_day"]) == 3
    assert body["event_types"] == [{"type": "purchase", "count": 3}]
    assert body["events_per_day"][-1]["date"] == now.astimezone(UTC).date().isoformat()


@pytest.mark.parametrize(
    ("scopes", "status"),
    [(("read",), 200), (("events:write",), 403), (("runs:write",), 403)],
    ids=["read-scope", "events-write-scope", "runs-write-scope"],
)
def test_stats_api_needs_read(key_client, scopes, status):
    assert key_client(*scopes).get("/api/v1/stats").status_code == status


def test_stats_api_refuses_anonymous_callers(db):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/stats")
    assert response.status_code == 401
    assert response.json()["detail"]
