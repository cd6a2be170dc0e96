"""The contract customers' rule score: hand-computed scores and reasons, the breakdown,
how it sits beside the model's score, crossings, and a bounded number of queries."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.customers.models import Customer, Event
from apps.insights.models import ChurnBreakdown, ModelFit
from apps.insights.services import churn_fit
from tests.insights.conftest import purchases_store, simulated_purchases

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


def at(days_ago: int) -> datetime:
    return datetime.combine(AS_OF - timedelta(days=days_ago), time(12), tzinfo=UTC)


def customer(external_id: str, contract_end: str | None = None) -> Customer:
    attributes = {"plan": "pro"} | ({"contract_end": contract_end} if contract_end else {})
    return Customer.objects.create(external_id=external_id, attributes=attributes)


def events(who: Customer, *items: tuple[str, int, dict]) -> None:
    now = timezone.now()
    Event.objects.bulk_create([
        Event(customer=who, type=type_, properties=props, occurred_at=at(days_ago),
              received_at=now, idempotency_key=f"t:{who.external_id}:{type_}:{days_ago}:{n}",
              source="api")
        for n, (type_, days_ago, props) in enumerate(items)
    ])


@pytest.fixture
def contracts() -> dict[str, Customer]:
    alice = customer("alice", (AS_OF + timedelta(days=12)).isoformat())
    events(alice,
           *[("session.started", d, {}) for d in (100, 90, 80, 70)],
           ("feedback.submitted", 40, {"score": 9}),
           ("feedback.submitted", 10, {"score": 3}),
           ("support.ticket_opened", 20, {}), ("support.ticket_opened", 10, {}),
           ("support.ticket_opened", 120, {}))  # outside the 90-day window
    bob = customer("bob", (AS_OF - timedelta(days=5)).isoformat())
    events(bob, *[("session.started", d, {}) for d in (200, 190, 180, 170)],
           ("cancellation.requested", 3, {"reason": "too expensive"}))
    carol = customer("carol", "2027-06-30T00:00:00Z")
    events(carol, ("session.started", 60, {}), ("feedback.submitted", 60, {"score": "10"}),
           ("session.started", 58, {}))
    dave = customer("dave")  # no contract: no rule score
    erin = customer("erin", "soon")  # not a date: not a contract customer
    events(dave, ("session.started", 1, {}))
    return {c.external_id: c for c in (alice, bob, carol, dave, erin)}


def test_rule_scores_by_hand(contracts) -> None:
    # Default weights: contract end 0.25, feedback 0.2, complaints 0.15, inactivity 0.1,
    # cancellation 0.3 (sum 1, so points = weight x value).
    #
    # alice: contract ends in 12 days -> 1 - 12/90 = 0.866667 -> 0.216667 points;
    #   last feedback 3/10 -> (10-3)/10 = 0.7 -> 0.14; 2 tickets in 90 days -> 2/3 ->
    #   0.1; active days -120,-100,-90,-80,-70,-40,-20,-10: gaps 20,10,10,10,30,20,10,
    #   median 10, silent 10 days -> 10/10 = 1x -> 0; no cancellation -> 0.
    #   score 0.456667.
    # bob: contract ended 5 days ago -> 1 -> 0.25; no feedback; no tickets; active days
    #   -200,-190,-180,-170,-3 (the request is activity): gaps 10,10,10,167, median 10,
    #   silent 3 -> 0; asked to cancel 3 days ago -> 1 -> 0.3. score 0.55.
    # carol: contract ends in 365 days -> 0; feedback 10/10 -> 0; 2 active days (< 3,
    #   no rhythm): 30 days assumed, silent 58 -> (58/30 - 1) / (3 - 1) = 0.466667 ->
    #   0.046667. score 0.046667.
    fit = churn_fit(AS_OF)

    assert fit.contract_customers == 3
    scores = dict(Customer.objects.values_list("external_id", "churn_score"))
    assert scores["alice"] == pytest.approx(0.216667 + 0.14 + 0.1, abs=1e-6)
    assert scores["bob"] == pytest.approx(0.55)
    assert scores["carol"] == pytest.approx(0.046667, abs=1e-6)
    assert scores["dave"] is None and scores["erin"] is None
    reasons = dict(Customer.objects.values_list("external_id", "churn_reason"))
    assert reasons == {
        "alice": "Contract ends in 12 days; last feedback 3/10.",
        "bob": "Asked to cancel 3 days ago; contract ended 5 days ago.",
        "carol": "No activity for 58 days; no rhythm of their own yet, 30 days assumed.",
        "dave": "", "erin": "",
    }
    alice = ChurnBreakdown.objects.get(customer=contracts["alice"])
    assert alice.score == pytest.approx(scores["alice"]) and alice.as_of == AS_OF
    assert alice.signals == [
        {"signal": "contract_end", "weight": 0.25, "value": 0.8667, "points": 0.2167,
         "words": "Contract ends in 12 days", "raw": 12},
        {"signal": "feedback", "weight": 0.2, "value": 0.7, "points": 0.14,
         "words": "Last feedback 3/10", "raw": 3.0},
        {"signal": "complaints", "weight": 0.15, "value": 0.6667, "points": 0.1,
         "words": "2 complaints in the last 90 days", "raw": 2},
        {"signal": "inactivity", "weight": 0.1, "value": 0.0, "points": 0.0,
         "words": "No activity for 10 days; usually every 10 days",
         "raw": {"days_silent": 10, "usual_gap_days": 10.0}},
        {"signal": "cancellation", "weight": 0.3, "value": 0.0, "points": 0.0,
         "words": "No cancellation request in the last 90 days", "raw": None},
    ]
    assert sum(s["points"] for s in alice.signals) == pytest.approx(alice.score, abs=1e-3)
    assert alice.values == {"contract_end": 0.8667, "feedback": 0.7, "complaints": 0.6667,
                            "inactivity": 0.0, "cancellation": 0.0}
    assert set(ChurnBreakdown.objects.values_list("customer__external_id", flat=True)) == {
        "alice", "bob", "carol"}


def test_customer_api_shows_the_breakdown(contracts, client_as) -> None:
    churn_fit(AS_OF)
    client = client_as("viewer")

    body = client.get("/api/v1/customers/bob").json()

    assert body["churn_score"] == pytest.approx(0.55)
    breakdown = body["churn_breakdown"]
    assert breakdown["score"] == pytest.approx(0.55) and breakdown["as_of"] == "2026-06-30"
    assert [(s["signal"], s["points"], s["words"]) for s in breakdown["signals"]][:2] == [
        ("cancellation", 0.3, "Asked to cancel 3 days ago"),
        ("contract_end", 0.25, "Contract ended 5 days ago")]
    assert client.get("/api/v1/customers/dave").json()["churn_breakdown"] is None


def test_a_customer_who_is_no_longer_on_contract_loses_the_breakdown(contracts) -> None:
    churn_fit(AS_OF)
    carol = contracts["carol"]
    carol.attributes = {"plan": "pro"}
    carol.save()

    fit = churn_fit(AS_OF)

    assert fit.contract_customers == 2
    assert not ChurnBreakdown.objects.filter(customer=carol).exists()


def test_weights_changed_by_an_admin_change_the_score(contracts, client_as) -> None:
    admin = client_as("admin")
    # Only the contract end counts: alice 0.866667, bob 1, carol 0.
    response = admin.put("/api/v1/insights/settings", {"weights": {
        "contract_end": 2, "feedback": 0, "complaints": 0, "inactivity": 0,
        "cancellation": 0}}, format="json")
    assert response.status_code == 200, response.json()

    churn_fit(AS_OF)

    scores = dict(Customer.objects.values_list("external_id", "churn_score"))
    assert scores["alice"] == pytest.approx(1 - 12 / 90)
    assert scores["bob"] == 1.0 and scores["carol"] == 0.0
    assert Customer.objects.get(external_id="carol").churn_reason == "No warning signs."


def test_other_event_types_and_fields_from_the_settings(contracts, client_as) -> None:
    # Given NPS answers under another name and field, and complaints of another type
    events(contracts["carol"], ("nps.answered", 2, {"nps": {"value": 2}}),
           ("complaint.received", 2, {}))
    client_as("admin").put("/api/v1/insights/settings", {
        "feedback_event": "nps.answered", "feedback_field": "properties.nps.value",
        "complaint_event": "complaint.received", "complaints_full": 1}, format="json")

    churn_fit(AS_OF)

    # carol: feedback 2/10 -> 0.8 -> 0.16; 1 complaint of 1 -> 0.15; active 2 days ago
    # (3 active days now: gaps 2, 56 -> median 29; silent 2 -> 0); contract far -> 0.
    carol = Customer.objects.get(external_id="carol")
    assert carol.churn_score == pytest.approx(0.16 + 0.15)
    assert carol.churn_reason == "Last feedback 2/10; 1 complaint in the last 90 days."


def test_crossings_of_contract_customers(contracts, settings) -> None:
    settings.KEEPFLOW_INSIGHTS = {**settings.KEEPFLOW_INSIGHTS, "CHURN_SCORE_THRESHOLD": 0.5}
    churn_fit(AS_OF)
    assert not Event.objects.filter(type="churn_score.crossed").exists()  # first scoring

    # alice asks to cancel: 0.456667 + 0.3 -> above 0.5
    events(contracts["alice"], ("cancellation.requested", 1, {}))
    churn_fit(AS_OF)
    churn_fit(AS_OF)  # nothing changes: nothing crossed again

    crossed = Event.objects.get(type="churn_score.crossed")
    assert crossed.customer == contracts["alice"]
    assert crossed.properties == {"measure": "churn_score", "old": 0.4567, "new": 0.7567,
                                  "threshold": 0.5, "direction": "up", "fit_id": None,
                                  "score": "contract"}
    assert crossed.source == "internal"


def test_contract_buyers_keep_the_rule_score_beside_the_model(settings) -> None:
    # Given a shop whose customers buy, two of them on contract
    settings.KEEPFLOW_INSIGHTS = {**settings.KEEPFLOW_INSIGHTS, "CHURN_SCORE_THRESHOLD": 0.3}
    purchases_store(simulated_purchases(300, seed=5, end=AS_OF))
    on_contract = list(Customer.objects.order_by("id")[:2])
    for c in on_contract:
        c.attributes = {"contract_end": (AS_OF + timedelta(days=45)).isoformat()}
        c.save()

    fit = churn_fit(AS_OF)
    churn_fit(AS_OF + timedelta(days=120))  # the model's scores move; theirs stay rules

    assert fit.converged and fit.contract_customers == 2
    for c in on_contract:
        c.refresh_from_db()
        assert c.p_alive is not None and c.clv is not None and c.tier  # from the model
        assert c.churn_reason.startswith("Contract ")
        assert c.churn_score == ChurnBreakdown.objects.get(customer=c).score
    crossed = Event.objects.filter(type="churn_score.crossed", properties__measure="churn_score")
    assert crossed.exists()  # the model's customers crossed...
    assert not crossed.filter(customer__in=on_contract).exclude(
        properties__score="contract").exists()  # ...never the contract customers by the model


def test_a_contract_only_business_is_scored_without_a_model(contracts) -> None:
    fit = churn_fit(AS_OF)

    assert not fit.converged and fit.contract_customers == 3
    assert ModelFit.objects.count() == 1


def _queries(count: int) -> int:
    for n in range(count):
        who = customer(f"q{n}", (AS_OF + timedelta(days=n)).isoformat())
        events(who, ("session.started", n + 1, {}), ("feedback.submitted", n + 2, {"score": 5}),
               ("support.ticket_opened", 3, {}), ("cancellation.requested", 4, {}))
    with CaptureQueriesContext(connection) as captured:
        churn_fit(AS_OF)
    Customer.objects.all().delete()
    ModelFit.objects.all().delete()
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_customers() -> None:
    assert _queries(3) == _queries(40)


def test_the_command_scores_contract_customers_without_a_model(contracts) -> None:
    out, err = io.StringIO(), io.StringIO()

    call_command("churn_fit", "--as-of", AS_OF.isoformat(), stdout=out, stderr=err)

    assert out.getvalue().startswith(
        "as of 2026-06-30; 3 contract customers given the rule score; ")
    assert err.getvalue().startswith("the fit did not converge, the previous model stays: ")


def test_erasure_deletes_the_breakdown(contracts) -> None:
    from apps.customers.erasure import customers_erase

    churn_fit(AS_OF)
    customers_erase([contracts["alice"].pk])

    assert not ChurnBreakdown.objects.filter(customer=contracts["alice"]).exists()
    assert Customer.objects.get(pk=contracts["alice"].pk).churn_reason == ""
    assert ChurnBreakdown.objects.filter(customer=contracts["bob"]).exists()
    assert churn_fit(AS_OF).contract_customers == 2  # erased: no longer scored


@pytest.mark.django_db(transaction=True)
def test_the_rule_score_runs_beside_the_fit_on_its_own_connection(contracts, monkeypatch) -> None:
    # Outside a transaction (the nightly job's case) the rule score runs in a thread of
    # its own while the models fit; the fit waits for it before the model's write.
    import threading

    from apps.insights import services

    threads: list[str] = []
    real = services.contract_scores_write

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "contract_scores_write", spy)
    fit = churn_fit(AS_OF)

    assert threads and threads[0].startswith("insights-contracts")
    assert fit.contract_customers == 3
    assert {"contract", "contract_wait"} <= set(fit.phase_seconds)
    scores = dict(Customer.objects.filter(external_id__in=["alice", "bob", "carol"])
                  .values_list("external_id", "churn_score"))
    assert scores == pytest.approx({"alice": 0.4567, "bob": 0.55, "carol": 0.0467}, abs=1e-4)
