"""The dashboard's retention: served from a snapshot that equals the raw computation,
worked through by hand; stale once the churn settings change; kept fresh by the beat
task, idempotently."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.customers.models import Segment
from apps.insights.selectors import insights_settings_get
from apps.reports import dashboard
from apps.reports.dashboard import dashboard_period, retention_snapshots_refresh
from apps.reports.models import RetentionSnapshot
from apps.reports.retention import retention_report, rule_default
from apps.reports.serializers import RetentionReportSerializer
from tests.reports.test_retention import five_shoppers

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 4, 1, 10, 5, tzinfo=UTC)
URL = "/api/v1/reports/retention/dashboard"


@pytest.fixture
def at(monkeypatch) -> list[datetime]:
    """The dashboard's clock, at NOW until the test moves it (`at[0] = ...`)."""
    moment = [NOW]
    monkeypatch.setattr(dashboard, "clock", lambda: moment[0])
    return moment


def raw(date_from: date, end: date, segment: int | None = None) -> dict:
    """The report as /reports/retention computes it, serialised."""
    report = retention_report(date_from, end, rule_default("purchase"), segment)
    report["to"] = end - timedelta(days=1)
    return dict(RetentionReportSerializer(report).data)


@pytest.mark.parametrize(("today", "period"), [
    pytest.param(date(2026, 4, 1), (date(2025, 4, 1), date(2026, 4, 1)), id="twelve-months"),
    pytest.param(date(2026, 4, 15), (date(2025, 4, 1), date(2026, 4, 15)),
                 id="and-this-month-so-far"),
    pytest.param(date(2026, 1, 3), (date(2025, 1, 1), date(2026, 1, 3)), id="across-a-year"),
])
def test_the_period_is_twelve_months_and_this_one_so_far(today, period) -> None:
    assert dashboard_period(today) == period


def test_the_dashboard_equals_the_raw_computation(client_as, at) -> None:
    five_shoppers()
    client = client_as("viewer")

    response = client.get(URL)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body.pop("as_of") == "2026-04-01T10:05:00Z"
    assert body == raw(date(2025, 4, 1), date(2026, 4, 1))
    # By hand (tests/reports/test_retention.py for the rhythms): twelve months, April
    # 2025 to March 2026; the first quarter of 2026 as there.
    assert [m["from"] for m in body["series"]][::4] == ["2025-04-01", "2025-08-01",
                                                       "2025-12-01"]
    assert [(m["start"], m["end"], m["new"]) for m in body["series"][-3:]] == [
        (4, 3, 0), (3, 3, 1), (3, 3, 0)]
    assert [m["retention"] for m in body["series"][-3:]] == pytest.approx([0.75, 2 / 3, 1])
    # June 2025: nobody at its start (E's first purchase is on 1 June): no rate.
    assert (body["series"][2]["start"], body["series"][2]["retention"]) == (0, None)
    # Cohorts: E (June), B (November), A and C (December), D (February). December: both
    # customers at the end of December (A 11 days <= 20, C 12 <= 60), C alone at the end
    # of January (A 42 > 20, C 43 <= 60), neither after (C 71 > 60).
    cohorts = {c["month"]: (c["customers"], c["retained"]) for c in body["cohorts"]}
    assert sorted(cohorts) == ["2025-06-01", "2025-11-01", "2025-12-01", "2026-02-01"]
    assert cohorts["2025-12-01"] == (2, [1.0, 0.5, 0.0, 0.0])
    assert cohorts["2026-02-01"] == (1, [1.0, 1.0])


def test_a_second_visit_reads_the_snapshot(client_as, at) -> None:
    five_shoppers()
    client = client_as("viewer")
    first = client.get(URL).json()
    at[0] = NOW + timedelta(minutes=20)

    with CaptureQueriesContext(connection) as queries:
        second = client.get(URL).json()

    assert second == first  # as of 10:05 still
    assert not [q for q in queries.captured_queries if "percentile_cont" in q["sql"]]
    assert RetentionSnapshot.objects.count() == 1


def test_changed_churn_settings_are_used_at_once(client_as, at) -> None:
    five_shoppers()
    client = client_as("viewer")
    client.get(URL)
    saved = insights_settings_get()
    saved.default_rhythm_days = 10  # C (one purchase day) is gone after 20 days
    saved.save()
    at[0] = NOW + timedelta(minutes=1)

    body = client.get(URL).json()

    assert body.pop("as_of") == "2026-04-01T10:06:00Z"
    assert body == raw(date(2025, 4, 1), date(2026, 4, 1))
    # 1 January: A, B, C (12 days <= 20), E: 4; 1 February: C (43 > 20) gone: B, E.
    assert [(m["start"], m["end"]) for m in body["series"][-3:]] == [(4, 2), (2, 3), (3, 3)]


def test_a_segment_and_a_definition_have_their_own_snapshot(client_as, at) -> None:
    people = five_shoppers()
    segment = Segment.objects.create(name="b", condition={})
    segment.memberships.create(customer=people["B"], entered_at=NOW)
    client = client_as("viewer")

    body = client.get(f"{URL}?segment={segment.pk}").json()
    contract = client.get(f"{URL}?definition=contract").json()

    del body["as_of"]
    assert body == raw(date(2025, 4, 1), date(2026, 4, 1), segment.pk)
    assert [m["retention"] for m in body["series"][-3:]] == [1.0, 1.0, 1.0]
    assert (contract["definition"], contract["start"]) == ("contract", 0)
    assert RetentionSnapshot.objects.count() == 2
    assert client.get(f"{URL}?segment=999").status_code == 400
    assert client.get(f"{URL}?definition=magic").status_code == 400


def test_the_refresh_pass_is_idempotent_and_keeps_what_is_looked_at(at) -> None:
    five_shoppers()
    segment = Segment.objects.create(name="all", condition={})

    # Nothing asked yet: the default (purchase, everyone) is computed anyway.
    assert retention_snapshots_refresh(NOW) == 1
    assert retention_snapshots_refresh(NOW + timedelta(minutes=10)) == 0  # still fresh
    dashboard.retention_dashboard("purchase", segment.pk, NOW)
    # An hour on: both are recomputed, once each.
    assert retention_snapshots_refresh(NOW + timedelta(hours=1)) == 2
    assert RetentionSnapshot.objects.count() == 2
    # A new day: recomputed for the new period, whatever their age.
    next_day = datetime(2026, 4, 2, 0, 5, tzinfo=UTC)
    assert retention_snapshots_refresh(next_day) == 2
    assert set(RetentionSnapshot.objects.values_list("end_day", flat=True)) == {
        date(2026, 4, 2)}
    # Nobody looked at the segment for over a week: dropped; the default stays.
    assert retention_snapshots_refresh(NOW + timedelta(days=9)) == 1
    assert list(RetentionSnapshot.objects.values_list("definition", "segment_id")) == [
        ("purchase", None)]


def test_the_beat_schedule_refreshes_every_ten_minutes() -> None:
    from apps.reports.tasks import retention_snapshots_refresh as task

    entry = settings.CELERY_BEAT_SCHEDULE["reports-retention-refresh"]
    assert entry == {"task": task.name, "schedule": 600.0}
