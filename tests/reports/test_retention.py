"""Retention and churn against hand-computed figures: retention = (E - N) / S for each
definition of "a customer", the monthly series, the cohort table and the API."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from apps.customers.models import Customer, Event, Segment, SegmentMembership
from apps.insights.models import ScorePoint
from apps.reports.retention import Rule, checkpoints, retention_report

pytestmark = pytest.mark.django_db
_keys = itertools.count()


def bought(customer: Customer, *days: str) -> None:
    for day in days:
        when = datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)
        Event.objects.create(customer=customer, type="order.completed", properties={},
                             occurred_at=when, received_at=when,
                             idempotency_key=f"buy-{next(_keys)}")


def five_shoppers() -> dict[str, Customer]:
    """A: every 10 days in December, then nothing; B: every 30 days throughout; C: once,
    on 20 December; D: new, on 1 February and 1 March; E: on 1 June 2025 and 20 March."""
    people = {name: Customer.objects.create(external_id=name) for name in "ABCDE"}
    bought(people["A"], "2025-12-01", "2025-12-11", "2025-12-21")
    bought(people["B"], "2025-11-15", "2025-12-15", "2026-01-14", "2026-02-13", "2026-03-15")
    bought(people["C"], "2025-12-20")
    bought(people["D"], "2026-02-01", "2026-03-01")
    bought(people["E"], "2025-06-01", "2026-03-20")
    return people


PURCHASE = Rule("purchase", k=2, rhythm_days=30)


def test_checkpoints_are_from_the_month_starts_and_to() -> None:
    assert checkpoints(date(2026, 1, 15), date(2026, 4, 1)) == [
        date(2026, 1, 15), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    assert checkpoints(date(2026, 1, 1), date(2026, 1, 20)) == [
        date(2026, 1, 1), date(2026, 1, 20)]


def test_purchase_rhythm_by_hand() -> None:
    five_shoppers()

    # The first quarter of 2026 (the end is the first moment of 1 April), k = 2.
    report = retention_report(date(2026, 1, 1), date(2026, 4, 1), PURCHASE)

    # Rhythms (median gap between purchase days; one day: 30) and windows (x 2):
    #   A 10 -> 20 days, B 30 -> 60, C 30 (one day) -> 60, D 28 -> 56, E 292 -> 584.
    # 1 Jan: A (last 21 Dec, 11 days <= 20), B (15 Dec, 17), C (20 Dec, 12),
    #        E (1 Jun, 214 <= 584): S = 4
    # 1 Apr: B (15 Mar, 17 <= 60), D (1 Mar, 31 <= 56), E (20 Mar, 12): E = 3
    #        A (101 > 20) and C (102 > 60) are gone
    # N: of E, first purchase in the quarter: D = 1
    # retention = (3 - 1) / 4 = 0.5, churn = 0.5
    assert (report["start"], report["end"], report["new"]) == (4, 3, 1)
    assert report["retention"] == 0.5
    assert report["churn"] == 0.5

    # The months: 1 Feb: B (14 Jan, 18), C (20 Dec, 43 <= 60), E (245): 3; A (42 > 20) no,
    # D not yet (first purchase on 1 Feb itself counts from 2 Feb on).
    # 1 Mar: B (13 Feb, 16), D (1 Feb, 28 <= 56), E (273): 3; C (71 > 60) gone.
    # January:  S 4, E 3, N 0 -> 3/4 = 0.75
    # February: S 3, E 3, N 1 (D, first on 1 Feb) -> (3 - 1)/3 = 0.667
    # March:    S 3, E 3, N 0 -> 1.0
    assert [(m["start"], m["end"], m["new"]) for m in report["series"]] == [
        (4, 3, 0), (3, 3, 1), (3, 3, 0)]
    assert [m["retention"] for m in report["series"]] == pytest.approx([0.75, 2 / 3, 1.0])
    assert [m["from"] for m in report["series"]] == [
        date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]

    # Cohorts by month of first purchase in the period: only D (February), a customer at
    # the end of February (1 Mar) and of March (1 Apr).
    assert report["cohorts"] == [{"month": date(2026, 2, 1), "customers": 1,
                                  "retained": [1.0, 1.0]}]


def test_a_stricter_rhythm_and_a_segment() -> None:
    people = five_shoppers()
    # k = 1: windows A 10, B 30, C 30, D 28, E 292.
    # 1 Jan: A (11 > 10) no, B (17) yes, C (12) yes, E (214) yes: S = 3
    # 1 Apr: B (17) yes, D (31 > 28) no, E (12) yes: E = 2, N = 0
    # retention = (2 - 0) / 3 = 0.667
    report = retention_report(date(2026, 1, 1), date(2026, 4, 1),
                              Rule("purchase", k=1, rhythm_days=30))
    assert (report["start"], report["end"], report["new"]) == (3, 2, 0)
    assert report["retention"] == pytest.approx(2 / 3)

    # In a segment of A, B and D (k = 2): S = A, B = 2; E = B, D = 2; N = D = 1:
    # (2 - 1) / 2 = 0.5
    segment = Segment.objects.create(name="abd", condition={})
    for name in "ABD":
        SegmentMembership.objects.create(segment=segment, customer=people[name],
                                         entered_at=datetime(2026, 1, 1, tzinfo=UTC))
    report = retention_report(date(2026, 1, 1), date(2026, 4, 1), PURCHASE, segment.pk)
    assert (report["start"], report["end"], report["new"], report["retention"]) == (
        2, 2, 1, 0.5)


def test_contracts_by_hand() -> None:
    # Customers with a contract end date: a customer from their record's creation until
    # the contract ends (inclusive).
    def contract(name: str, created: str, ends: str) -> None:
        customer = Customer.objects.create(external_id=name,
                                           attributes={"contract_end": ends})
        Customer.objects.filter(pk=customer.pk).update(
            created_at=datetime.fromisoformat(created).replace(tzinfo=UTC))

    contract("a", "2025-01-10", "2026-02-15")  # ends in the period: churned
    contract("b", "2025-03-01", "2026-12-31")  # stays
    contract("c", "2026-02-10", "2027-02-09")  # new in February, stays
    contract("d", "2025-05-01", "2025-11-30")  # ended before the period: nobody
    Customer.objects.create(external_id="e", attributes={"plan": "none"})  # no contract

    report = retention_report(date(2026, 1, 1), date(2026, 4, 1), Rule("contract"))

    # S (1 Jan) = a, b = 2; E (1 Apr) = b, c = 2; N = c = 1: (2 - 1) / 2 = 0.5
    assert (report["start"], report["end"], report["new"], report["retention"]) == (
        2, 2, 1, 0.5)
    # January: 2 -> 2 (a ends 15 Feb), 1.0; February: S 2, E (1 Mar) b, c = 2, N 1:
    # (2 - 1) / 2 = 0.5; March: 2 -> 2, 1.0
    assert [m["retention"] for m in report["series"]] == [1.0, 0.5, 1.0]
    # The February cohort (c, by the record's month): a customer at both month ends
    assert report["cohorts"] == [{"month": date(2026, 2, 1), "customers": 1,
                                  "retained": [1.0, 1.0]}]


def test_p_alive_by_hand() -> None:
    # Customers with score histories: a customer while their latest P(alive) >= 0.5
    people = five_shoppers()

    def score(name: str, day: str, p_alive: float) -> None:
        ScorePoint.objects.create(
            customer=people[name], at=datetime.fromisoformat(day).replace(tzinfo=UTC),
            as_of=date.fromisoformat(day), churn_score=1 - p_alive, p_alive=p_alive)

    score("A", "2025-12-25", 0.9)
    score("A", "2026-02-01", 0.2)  # falls below: gone by the end
    score("B", "2025-12-01", 0.8)
    score("C", "2025-12-25", 0.4)  # never above the threshold
    score("D", "2026-03-01", 0.7)  # new in the period
    # E has no score: not counted

    report = retention_report(date(2026, 1, 1), date(2026, 4, 1), Rule("p_alive", p=0.5))

    # S = A, B = 2; E = B, D = 2; N = D (first purchase 1 Feb) = 1: (2 - 1) / 2 = 0.5
    assert (report["start"], report["end"], report["new"], report["retention"]) == (
        2, 2, 1, 0.5)


def test_nobody_at_the_start_has_no_rate() -> None:
    report = retention_report(date(2026, 1, 1), date(2026, 2, 1), PURCHASE)
    assert (report["start"], report["retention"], report["churn"]) == (0, None, None)
    assert report["cohorts"] == []


def test_the_api(client_as) -> None:
    five_shoppers()
    client = client_as("viewer")

    response = client.get("/api/v1/reports/retention?from=2026-01-01&to=2026-03-31")

    assert response.status_code == 200, response.content
    body = response.json()
    # the defaults: purchase, k = 2, the settings' default rhythm (30 days)
    assert (body["definition"], body["k"], body["start"], body["end"], body["new"],
            body["retention"], body["churn"]) == ("purchase", 2.0, 4, 3, 1, 0.5, 0.5)
    assert (body["from"], body["to"]) == ("2026-01-01", "2026-03-31")
    assert body["series"][1] == {"from": "2026-02-01", "to": "2026-03-01", "start": 3,
                                 "end": 3, "new": 1, "retention": pytest.approx(2 / 3),
                                 "churn": pytest.approx(1 / 3)}
    bad = client.get("/api/v1/reports/retention?from=2026-04-01&to=2026-03-31")
    assert bad.status_code == 400
    assert client.get("/api/v1/reports/retention?segment=999").status_code == 400
    assert client.get("/api/v1/reports/retention?definition=magic").status_code == 400
