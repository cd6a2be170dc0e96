"""The score history: a point only when the scores moved, dated by the as-of day, served by
GET /api/v1/customers/{id}/score-history, erased with the customer and pruned by age."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from apps.customers.erasure import customers_erase
from apps.customers.models import Customer, Event
from apps.insights.history import score_history_prune
from apps.insights.models import ModelFit, ScorePoint
from apps.insights.rfm import PurchaseSummary
from apps.insights.scoring import Scores
from apps.insights.services import churn_fit
from apps.insights.tasks import churn_fit_nightly
from apps.insights.writing import scores_write
from tests.insights.conftest import purchases_store, simulated_purchases

pytestmark = pytest.mark.django_db
DAY1 = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)


def _fit() -> ModelFit:
    return ModelFit.objects.create(fitted_at=DAY1, as_of=DAY1.date(), customers=1,
                                   converged=True)


def _write(customer: Customer, churn: float, alive: float, tier: str, at: datetime,
           fit: ModelFit | None = None) -> None:
    """One scoring of one customer, as a fit writes it."""
    fit = fit or _fit()
    summary = PurchaseSummary(*(np.array([v]) for v in (customer.pk, 1, 10, 20, 5.0, 10)))
    scores = Scores(p_alive=np.array([alive]), expected_90d=np.array([1.0]),
                    clv=np.array([100.0]), churn_score=np.array([churn]),
                    reasons=["a reason"], tiers=[tier])
    scores_write(fit.pk, summary, scores, at, as_of=at.date(), at=at)


def _points(customer: Customer) -> list[tuple]:
    return list(ScorePoint.objects.filter(customer=customer).order_by("at")
                .values_list("churn_score", "p_alive", "tier"))


@pytest.mark.parametrize(("case", "sequence", "stored"), [
    ("first scoring is a point", [(0.2, 0.8, "low")], [(0.2, 0.8, "low")]),
    ("no change, no point", [(0.2, 0.8, "low"), (0.2, 0.8, "low")], [(0.2, 0.8, "low")]),
    ("small moves are not points", [(0.2, 0.8, "low"), (0.205, 0.795, "low")],
     [(0.2, 0.8, "low")]),
    ("churn moved 0.01", [(0.2, 0.8, "low"), (0.21, 0.795, "low")],
     [(0.2, 0.8, "low"), (0.21, 0.795, "low")]),
    ("p_alive moved 0.01", [(0.2, 0.8, "low"), (0.2, 0.79, "low")],
     [(0.2, 0.8, "low"), (0.2, 0.79, "low")]),
    ("tier changed", [(0.2, 0.8, "low"), (0.2, 0.8, "high")],
     [(0.2, 0.8, "low"), (0.2, 0.8, "high")]),
    # compared with the last stored point, not the last scoring: slow drift shows
    ("drift adds up", [(0.2, 0.8, "low"), (0.205, 0.8, "low"), (0.21, 0.8, "low"),
                       (0.215, 0.8, "low")], [(0.2, 0.8, "low"), (0.21, 0.8, "low")]),
    ("moves back down", [(0.2, 0.8, "low"), (0.5, 0.5, "low"), (0.2, 0.8, "low")],
     [(0.2, 0.8, "low"), (0.5, 0.5, "low"), (0.2, 0.8, "low")]),
])
def test_a_point_is_stored_only_when_the_scores_moved(case, sequence, stored) -> None:
    # Given a customer scored once a day with these (churn, p_alive, tier)
    customer = Customer.objects.create(external_id="ada")
    for day, (churn, alive, tier) in enumerate(sequence):
        _write(customer, churn, alive, tier, DAY1 + timedelta(days=day))

    # Then the history holds only the points that moved
    assert _points(customer) == stored


def test_the_minimum_change_is_a_setting(settings) -> None:
    settings.KEEPFLOW_INSIGHTS = {**settings.KEEPFLOW_INSIGHTS, "HISTORY_MIN_CHANGE": 0.1}
    customer = Customer.objects.create(external_id="ada")

    for day, churn in enumerate([0.2, 0.25, 0.29, 0.31]):
        _write(customer, churn, 0.8, "low", DAY1 + timedelta(days=day))

    assert [p[0] for p in _points(customer)] == [0.2, 0.31]


def test_a_point_holds_the_scores_and_the_fit() -> None:
    customer = Customer.objects.create(external_id="ada")
    fit = _fit()

    _write(customer, 0.25, 0.75, "vip", DAY1, fit)

    point = ScorePoint.objects.get()
    assert (point.at, point.as_of, point.fit_id, point.clv) == (DAY1, DAY1.date(), fit.pk,
                                                                100)
    customer.refresh_from_db()
    assert (customer.churn_score, customer.p_alive, customer.tier) == (0.25, 0.75, "vip")


def test_a_second_scoring_at_the_same_time_replaces_that_point() -> None:
    customer = Customer.objects.create(external_id="ada")
    _write(customer, 0.2, 0.8, "low", DAY1)

    _write(customer, 0.4, 0.6, "low", DAY1)
    _write(customer, 0.4, 0.6, "low", DAY1)

    assert _points(customer) == [(0.4, 0.6, "low")]


def test_an_earlier_point_written_later_compares_with_the_point_before_it() -> None:
    # Given points on day 0 and day 10; a backfill for day 5 compares with day 0
    customer = Customer.objects.create(external_id="ada")
    _write(customer, 0.2, 0.8, "low", DAY1)
    _write(customer, 0.6, 0.4, "low", DAY1 + timedelta(days=10))

    _write(customer, 0.2, 0.8, "low", DAY1 + timedelta(days=5))  # same as day 0: nothing
    _write(customer, 0.4, 0.6, "low", DAY1 + timedelta(days=6))

    assert _points(customer) == [(0.2, 0.8, "low"), (0.4, 0.6, "low"), (0.6, 0.4, "low")]


def test_weekly_as_of_fits_draw_the_history_of_those_days() -> None:
    # Given a shop, and a customer who bought every 10 days and then went quiet
    end = timezone.now().date()
    purchases_store([*simulated_purchases(300, seed=5, end=end),
                     *[("quiet", end - timedelta(days=120 - 10 * k), 30.0) for k in range(6)]])
    days = [end - timedelta(weeks=w) for w in (6, 4, 2)]

    # When churn_fit runs as of three past days, then today
    for day in days:
        assert churn_fit(day).converged
    today = churn_fit()

    # Then the points are dated noon UTC of each as-of day (today's: the fit's time)
    quiet = Customer.objects.get(external_id="quiet")
    points = list(ScorePoint.objects.filter(customer=quiet).order_by("at"))
    assert [p.as_of for p in points] == [*days, end]
    assert [p.at for p in points[:3]] == [datetime.combine(d, time(12), tzinfo=UTC)
                                          for d in days]
    assert points[-1].at == today.fitted_at
    churn = [p.churn_score for p in points]
    assert churn == sorted(churn) and churn[-1] > churn[0] + 0.1  # quiet: the risk rises
    assert points[-1].churn_score == pytest.approx(quiet.churn_score)
    # a customer whose scores stood still has fewer points than fits
    counts = [ScorePoint.objects.filter(customer=c).count() for c in Customer.objects.all()]
    assert all(1 <= n <= 4 for n in counts) and min(counts) < 4
    assert ScorePoint.objects.count() < 4 * Customer.objects.count()


# --- API ---------------------------------------------------------------------------------

@pytest.fixture
def ada() -> Customer:
    customer = Customer.objects.create(external_id="ada")
    for day, (churn, alive, tier) in enumerate([(0.2, 0.8, "low"), (0.5, 0.5, "low"),
                                                (0.8, 0.2, "high")]):
        _write(customer, churn, alive, tier, DAY1 + timedelta(days=10 * day))
    return customer


def test_score_history_api_returns_the_points_oldest_first(ada, key_client) -> None:
    body = key_client("read").get("/api/v1/customers/ada/score-history").json()

    assert body["customer_id"] == "ada"
    assert body["thresholds"] == {"churn_score": 0.7, "p_alive": 0.3}
    assert [(p["at"], p["churn_score"], p["p_alive"], p["tier"]) for p in body["points"]] == [
        ("2026-03-01T02:30:00Z", 0.2, 0.8, "low"),
        ("2026-03-11T02:30:00Z", 0.5, 0.5, "low"),
        ("2026-03-21T02:30:00Z", 0.8, 0.2, "high"),
    ]
    assert set(body["points"][0]) == {"at", "as_of", "fit_id", "churn_score", "p_alive",
                                      "clv", "tier"}
    assert body["points"][0]["as_of"] == "2026-03-01" and body["points"][0]["clv"] == "100.00"


@pytest.mark.parametrize(("case", "query", "days"), [
    ("from", {"from": "2026-03-11"}, ["03-11", "03-21"]),
    ("to", {"to": "2026-03-11"}, ["03-01", "03-11"]),
    ("one day", {"from": "2026-03-11", "to": "2026-03-11"}, ["03-11"]),
    ("none in range", {"from": "2026-04-01"}, []),
])
def test_score_history_api_filters_by_utc_days(ada, key_client, case, query, days) -> None:
    body = key_client("read").get("/api/v1/customers/ada/score-history", query).json()

    assert [p["at"][5:10] for p in body["points"]] == days


@pytest.mark.parametrize(("case", "query", "field"), [
    ("bad from", {"from": "yesterday"}, "from"),
    ("bad to", {"to": "2026-13-01"}, "to"),
    ("a time", {"from": "2026-03-01T10:00:00"}, "from"),
    ("to before from", {"from": "2026-03-10", "to": "2026-03-01"}, "to"),
])
def test_score_history_api_rejects_bad_days_naming_the_field(ada, key_client, case, query,
                                                             field) -> None:
    response = key_client("read").get("/api/v1/customers/ada/score-history", query)

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_score_history_of_an_unknown_or_erased_customer_is_404(ada, key_client) -> None:
    client = key_client("read")
    assert client.get("/api/v1/customers/nobody/score-history").status_code == 404

    customers_erase([ada.pk])
    ada.refresh_from_db()

    assert client.get("/api/v1/customers/ada/score-history").status_code == 404
    assert client.get(f"/api/v1/customers/{ada.external_id}/score-history").status_code == 404


def test_score_history_needs_authentication_and_read(ada, key_client, client_as) -> None:
    path = "/api/v1/customers/ada/score-history"
    assert APIClient().get(path).status_code == 401
    assert key_client("events:write").get(path).status_code == 403
    assert client_as("viewer").get(path).status_code == 200


def test_a_customer_without_points_has_an_empty_history(key_client) -> None:
    Customer.objects.create(external_id="new")

    body = key_client("read").get("/api/v1/customers/new/score-history").json()

    assert body["points"] == []


# --- erasure and retention ---------------------------------------------------------------

def test_erasure_deletes_the_history(ada) -> None:
    other = Customer.objects.create(external_id="bo")
    _write(other, 0.3, 0.7, "low", DAY1)

    customers_erase([ada.pk])

    assert not ScorePoint.objects.filter(customer=ada).exists()
    assert ScorePoint.objects.filter(customer=other).count() == 1


@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_pruning_deletes_old_points_but_each_customers_newest(batch) -> None:
    now = DAY1 + timedelta(days=1000)
    ada, bo, cy = (Customer.objects.create(external_id=e) for e in ("ada", "bo", "cy"))
    for day, churn in [(0, 0.1), (100, 0.3), (900, 0.5), (990, 0.7)]:
        _write(ada, churn, 0.5, "low", DAY1 + timedelta(days=day))
    for day, churn in [(0, 0.1), (100, 0.3)]:  # quiet for long: its newest point stays
        _write(bo, churn, 0.5, "low", DAY1 + timedelta(days=day))
    _write(cy, 0.2, 0.5, "low", DAY1 + timedelta(days=990))

    deleted = score_history_prune(now=now, days=730, batch=batch)

    assert deleted == 3
    assert [p[0] for p in _points(ada)] == [0.5, 0.7]
    assert [p[0] for p in _points(bo)] == [0.3]
    assert [p[0] for p in _points(cy)] == [0.2]


def test_pruning_keeps_everything_within_the_retention_setting(ada, settings) -> None:
    settings.KEEPFLOW_INSIGHTS = {**settings.KEEPFLOW_INSIGHTS,
                                  "HISTORY_RETENTION_DAYS": 15}

    # points on days 0, 10 and 20
    assert score_history_prune(now=DAY1 + timedelta(days=14)) == 0
    assert score_history_prune(now=DAY1 + timedelta(days=20)) == 1
    assert [p[0] for p in _points(ada)] == [0.5, 0.8]
    assert score_history_prune(now=DAY1 + timedelta(days=60)) == 1
    assert [p[0] for p in _points(ada)] == [0.8]


def test_the_nightly_job_prunes_even_when_the_fit_fails(settings) -> None:
    settings.KEEPFLOW_INSIGHTS = {**settings.KEEPFLOW_INSIGHTS, "HISTORY_RETENTION_DAYS": 30}
    customer = Customer.objects.create(external_id="ada")
    long_ago = timezone.now() - timedelta(days=100)
    _write(customer, 0.2, 0.8, "low", long_ago)
    _write(customer, 0.5, 0.5, "low", long_ago + timedelta(days=1))

    churn_fit_nightly()  # no purchases: the fit does not converge

    assert _points(customer) == [(0.5, 0.5, "low")]


# --- backfill (make run's demo) ----------------------------------------------------------

def test_a_first_fit_can_backfill_weekly_history_without_alerts() -> None:
    end = timezone.now().date()
    purchases_store([*simulated_purchases(300, seed=5, end=end),
                     *[("quiet", end - timedelta(days=120 - 10 * k), 30.0) for k in range(6)]])

    call_command("churn_fit", "--backfill-weeks", "3", stdout=io.StringIO())

    quiet = Customer.objects.get(external_id="quiet")
    points = list(ScorePoint.objects.filter(customer=quiet).order_by("at"))
    days = [end - timedelta(weeks=w) for w in (3, 2, 1)]
    assert [p.as_of for p in points] == [*days, end]
    assert [p.at for p in points[:3]] == [datetime.combine(d, time(12), tzinfo=UTC)
                                          for d in days]
    assert len({p.fit_id for p in points}) == 1  # one fit scored every week
    assert points[-1].churn_score == pytest.approx(quiet.churn_score)  # today's is current
    assert not Event.objects.filter(type="churn_score.crossed").exists()


def test_backfill_is_skipped_once_there_is_history() -> None:
    end = timezone.now().date()
    purchases_store(simulated_purchases(300, seed=5, end=end))
    churn_fit()
    before = ScorePoint.objects.count()

    churn_fit(backfill_weeks=4)

    assert set(ScorePoint.objects.values_list("as_of", flat=True)) == {end}
    assert ScorePoint.objects.count() == before  # the same scores again: no new points


def test_backfill_weeks_must_not_be_negative() -> None:
    with pytest.raises(CommandError, match="--backfill-weeks"):
        call_command("churn_fit", "--backfill-weeks", "-1", stdout=io.StringIO())
