"""Fitting and scoring through the database: what the customers get, what a failed fit
leaves alone, and the churn_fit command."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from apps.common.templating import customer_template_data
from apps.customers.models import Customer, Event
from apps.customers.segments import segment_create
from apps.insights.models import ModelFit
from apps.insights.selectors import model_current
from apps.insights.services import churn_fit
from tests.insights.conftest import purchases_store, simulated_purchases

pytestmark = pytest.mark.django_db
END = date(2026, 6, 30)


@pytest.fixture
def shop() -> None:
    purchases_store(simulated_purchases(400, seed=11, end=END))


def test_a_fit_scores_every_buyer(shop) -> None:
    fit = churn_fit(END)

    assert fit.converged, fit.reason
    assert fit.customers == Customer.objects.count() == 400
    scored = Customer.objects.filter(scored_at__isnull=False)
    assert scored.count() == 400
    for c in scored:
        assert 0 <= c.p_alive <= 1 and 0 <= c.churn_score <= 1
        assert c.expected_purchases_90d >= 0 and c.clv >= 0
        assert c.tier in {"vip", "high", "standard", "low"} and c.churn_reason
    tiers = list(scored.values_list("tier", flat=True))
    assert tiers.count("vip") == pytest.approx(20, abs=2)  # the top 5 % by CLV
    assert [name for name, _ in fit.tier_cuts] == ["vip", "high", "standard", "low"]


def test_repeat_buyers_score_one_minus_p_alive_with_their_rhythm(store_purchases) -> None:
    # Given a regular buyer who went quiet, among others who keep buying
    store_purchases([*simulated_purchases(300, seed=5, end=END),
                     *[("quiet", END - timedelta(days=200 - 20 * k), 30.0) for k in range(5)]])

    churn_fit(END)

    quiet = Customer.objects.get(external_id="quiet")
    assert quiet.churn_score == pytest.approx(1 - quiet.p_alive)
    assert quiet.churn_score > 0.5
    assert quiet.churn_reason == "5 purchases, about every 20 days; the last one 120 days ago."


def test_one_time_buyers_are_warned_by_the_cohort_return_times(store_purchases) -> None:
    # Given one-time buyers of 3 days and of 200 days ago
    store_purchases([*simulated_purchases(300, seed=5, end=END),
                     ("new", END - timedelta(days=3), 20.0),
                     ("gone", END - timedelta(days=200), 20.0)])

    fit = churn_fit(END)

    new, gone = (Customer.objects.get(external_id=e) for e in ("new", "gone"))
    # BG/NBD alone says both are certainly alive
    assert new.p_alive == gone.p_alive == 1.0
    # the churn score is the share of returning customers who had returned by that age
    gaps = fit.repeat_gap_percentiles
    assert gone.churn_score > 0.9 > 0.2 > new.churn_score
    assert gone.churn_score == pytest.approx(
        sum(g <= 200 for g in gaps) / len(gaps), abs=0.02)
    assert gone.churn_reason.startswith("One purchase, 200 days ago; ")
    assert gone.churn_reason.endswith("% of customers who came back did so sooner.")


def test_same_day_purchases_are_one_transaction(store_purchases) -> None:
    store_purchases([
        *simulated_purchases(300, seed=5, end=END),
        ("twice", END - timedelta(days=50), 10.0), ("twice", END - timedelta(days=50), 5.0),
        ("twice", END - timedelta(days=10), 7.0), ("twice", END - timedelta(days=10), 3.0),
    ])

    churn_fit(END)

    twice = Customer.objects.get(external_id="twice")
    assert twice.churn_reason == "2 purchases, about every 40 days; the last one 10 days ago."


def test_a_fit_that_does_not_converge_keeps_the_previous_model(shop) -> None:
    good = churn_fit(END)
    before = dict(Customer.objects.values_list("external_id", "churn_score"))

    # an as-of date before any repeat purchase: nothing to fit on
    failed = churn_fit(date(2025, 1, 1))

    assert not failed.converged
    assert failed.reason == "no customers with purchases"
    assert model_current() == good
    assert dict(Customer.objects.values_list("external_id", "churn_score")) == before


def test_scores_are_conditions_and_template_data(shop) -> None:
    churn_fit(END)

    risky = segment_create(name="Valuable, fading", condition={"all": [
        {"field": "customer.p_alive", "op": "lt", "value": 0.5},
        {"field": "customer.tier", "op": "in", "value": ["vip", "high"]}]})
    expected = [c for c in Customer.objects.all() if c.p_alive < 0.5 and c.tier in
                {"vip", "high"}]
    assert sorted(risky.memberships.values_list("customer_id", flat=True)) == \
        sorted(c.pk for c in expected)
    busy = segment_create(name="Busy", condition={
        "field": "customer.expected_purchases_90d", "op": "gte", "value": 1})
    assert busy.member_count == Customer.objects.filter(expected_purchases_90d__gte=1).count()
    assert busy.member_count > 0
    data = customer_template_data(expected[0] if expected else Customer.objects.first())
    assert {"p_alive", "expected_purchases_90d", "churn_reason", "churn_score", "clv",
            "tier"} <= data.keys()


def test_rescoring_emits_crossings_with_old_and_new_values(shop, settings) -> None:
    settings.KEEPFLOW_INSIGHTS = {**settings.KEEPFLOW_INSIGHTS, "CHURN_SCORE_THRESHOLD": 0.5}
    churn_fit(END)
    first = dict(Customer.objects.values_list("pk", "churn_score"))
    assert not Event.objects.filter(type="churn_score.crossed").exists()  # first scoring

    # 120 days later without purchases, scores rise
    fit = churn_fit(END + timedelta(days=120))

    crossed = Event.objects.filter(type="churn_score.crossed",
                                   properties__measure="churn_score")
    assert crossed.count() > 0
    for event in crossed.select_related("customer"):
        old, new = first[event.customer_id], event.customer.churn_score
        assert event.properties == {"measure": "churn_score", "old": round(old, 4),
                                    "new": round(new, 4), "threshold": 0.5,
                                    "direction": "up" if new >= 0.5 else "down",
                                    "fit_id": fit.pk}
        assert (old < 0.5) != (new < 0.5)
    assert crossed.count() == sum((first[c.pk] < 0.5) != (c.churn_score < 0.5)
                                  for c in Customer.objects.all())


def test_churn_fit_command(shop) -> None:
    out = io.StringIO()

    call_command("churn_fit", "--as-of", END.isoformat(), stdout=out)

    assert out.getvalue().startswith(f"as of {END}: 400 customers (")
    assert ModelFit.objects.get().as_of == END


@pytest.mark.parametrize(("case", "args", "message"), [
    ("bad date", ["--as-of", "30/06/2026"], "--as-of: give a date as YYYY-MM-DD"),
    ("no data", ["--as-of", "2020-01-01"],
     "the fit did not converge, the previous model stays: no customers with purchases"),
])
def test_churn_fit_command_errors(shop, case, args, message) -> None:
    with pytest.raises(CommandError, match="^" + message.replace("(", r"\(") + "$"):
        call_command("churn_fit", *args, stdout=io.StringIO())
