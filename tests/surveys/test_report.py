"""GET /api/v1/reports/exit-reasons: answers per reason and period, sends and the response
rate, checked against figures computed by hand; and its 400s naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.customers.models import Customer, Segment, SegmentMembership
from apps.messaging.services import message_queue
from apps.surveys.services import exit_survey_answer, exit_survey_create, exit_survey_token

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/exit-reasons"
CONSENT = {"email": {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"}}


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


def sent(customer: Customer, key: str, day: str) -> str:
    """A survey and its message, as the block makes them (same idempotency key)."""
    result = exit_survey_create(customer=customer, channel="email", reason_codes=[],
                                expires_at=at(day) + dt.timedelta(days=60),
                                idempotency_key=key, now=at(day))
    message_queue(customer=customer, channel="email", subject="One question",
                  body=result["url"], category="marketing", idempotency_key=key, now=at(day))
    return exit_survey_token(result["survey_id"])


@pytest.fixture
def answers(db) -> dict[str, Customer]:
    """Week of 2 Nov: A, B, C sent (3 Nov), D suppressed (no consent, 4 Nov).
    A answers too_expensive on 4 Nov, B poor_service on 10 Nov, C never.
    Week of 9 Nov: E sent and answers too_expensive on 11 Nov."""
    people = {name: Customer.objects.create(external_id=name, email=f"{name}@example.com",
                                            consent=CONSENT if name != "d" else {})
              for name in "abcde"}
    tokens = {name: sent(people[name], f"run:{i}:s1:1", day)
              for i, (name, day) in enumerate([("a", "2026-11-03"), ("b", "2026-11-03"),
                                                ("c", "2026-11-03"), ("d", "2026-11-04"),
                                                ("e", "2026-11-11")])}
    exit_survey_answer(tokens["a"], reason_code="too_expensive", now=at("2026-11-04"))
    exit_survey_answer(tokens["b"], reason_code="poor_service", now=at("2026-11-10"))
    exit_survey_answer(tokens["e"], reason_code="too_expensive", now=at("2026-11-11", 23))
    return people


def test_weekly_counts_and_response_rate(answers, client_as):
    report = client_as("viewer").get(URL, {"from": "2026-11-02", "to": "2026-11-15",
                                           "period": "week"}).json()

    assert [(p["start"], p["counts"], p["answered"], p["sent"], p["responded"],
             p["response_rate"]) for p in report["periods"]] == [
        ("2026-11-02", {"too_expensive": 1}, 1, 3, 2, 0.6667),
        ("2026-11-09", {"poor_service": 1, "too_expensive": 1}, 2, 1, 1, 1.0),
    ]
    assert report["totals"] == {"counts": {"too_expensive": 2, "poor_service": 1},
                                "answered": 3, "sent": 4, "responded": 3,
                                "response_rate": 0.75}
    assert [r["code"] for r in report["reasons"]] == [
        "too_expensive", "better_offer", "poor_service", "no_longer_needed", "other"]
    assert (report["from"], report["to"], report["period"], report["segment"]) == (
        "2026-11-02", "2026-11-15", "week", None)


def test_monthly_lists_empty_months_too(answers, client_as):
    report = client_as("viewer").get(URL, {"from": "2026-10-15", "to": "2026-11-30",
                                           "period": "month"}).json()
    assert [(p["start"], p["answered"], p["sent"]) for p in report["periods"]] == [
        ("2026-10-01", 0, 0), ("2026-11-01", 3, 4)]
    assert report["periods"][0]["response_rate"] is None


def test_a_segment_counts_only_its_customers(answers, client_as):
    segment = Segment.objects.create(name="Leavers A and E", condition={"all": []})
    for name in "ae":
        SegmentMembership.objects.create(segment=segment, customer=answers[name],
                                         entered_at=at("2026-11-01"))

    report = client_as("viewer").get(URL, {"from": "2026-11-02", "to": "2026-11-15",
                                           "segment": segment.pk}).json()

    assert report["totals"] == {"counts": {"too_expensive": 2}, "answered": 2, "sent": 2,
                                "responded": 2, "response_rate": 1.0}
    assert report["segment"] == {"id": segment.pk, "name": "Leavers A and E"}


def test_the_range_edges_are_whole_utc_days(answers, client_as):
    report = client_as("viewer").get(URL, {"from": "2026-11-11", "to": "2026-11-11"}).json()
    assert report["totals"]["counts"] == {"too_expensive": 1}  # 23:00 on the last day counts


@pytest.mark.parametrize(("query", "field", "code"), [
    ({"period": "day"}, "period", "invalid_choice"),
    ({"from": "yesterday"}, "from", "invalid"),
    ({"to": "2026-13-01"}, "to", "invalid"),
    ({"from": "2026-11-10", "to": "2026-11-01"}, "to", "invalid_range"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "from", "range_too_large"),
    ({"segment": "abc"}, "segment", "invalid"),
    ({"segment": "999999"}, "segment", "not_found"),
], ids=["period", "from-not-a-date", "to-not-a-date", "to-before-from", "too-long",
        "segment-not-a-number", "segment-unknown"])
def test_bad_input_is_a_400_naming_the_field(client_as, query, field, code):
    answer = client_as("viewer").get(URL, query)
    assert answer.status_code == 400
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [(field, code)]


def test_the_report_needs_a_sign_in(client):
    assert client.get(URL).status_code in (401, 403)


def test_defaults_are_the_last_90_days_by_week(client_as):
    report = client_as("viewer").get(URL).json()
    first, last = (dt.date.fromisoformat(report[k]) for k in ("from", "to"))
    assert (last - first).days == 90 and report["period"] == "week"
    assert report["totals"]["response_rate"] is None
