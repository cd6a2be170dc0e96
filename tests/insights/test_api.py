"""GET /api/v1/insights/model and GET /api/v1/customers/{id}/forecast, and the scores in
the customer API: shapes, authentication, bad input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.customers.models import Customer
from apps.insights.services import churn_fit
from tests.insights.conftest import purchases_store, simulated_purchases

pytestmark = pytest.mark.django_db


@pytest.fixture
def fitted() -> None:
    today = timezone.now().date()
    purchases_store([*simulated_purchases(300, seed=5, end=today),
                     *[("ada", today - timedelta(days=10 * k), 25.0) for k in range(6)]])
    churn_fit(today)


def test_model_returns_the_current_fit(fitted, key_client) -> None:
    body = key_client("read").get("/api/v1/insights/model").json()

    assert set(body) == {"bgnbd", "gamma_gamma", "as_of", "fitted_at", "customers",
                         "last_attempt"}
    assert set(body["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood"}
    assert set(body["gamma_gamma"]) == {"p", "q", "gamma"}
    assert body["customers"] == 301
    assert body["as_of"] == timezone.now().date().isoformat()
    assert body["last_attempt"] is None


def test_model_names_a_failed_newer_attempt(fitted, key_client) -> None:
    churn_fit(date(2000, 1, 1))

    body = key_client("read").get("/api/v1/insights/model").json()

    assert body["as_of"] == timezone.now().date().isoformat()  # still the good fit
    assert body["last_attempt"]["reason"] == "no customers with purchases"
    assert body["last_attempt"]["as_of"] == "2000-01-01"


def test_model_is_404_before_any_fit(key_client) -> None:
    response = key_client("read").get("/api/v1/insights/model")

    assert response.status_code == 404


def test_forecast_gives_expected_purchases(fitted, key_client) -> None:
    client = key_client("read")

    short = client.get("/api/v1/customers/ada/forecast?days=30").json()
    long = client.get("/api/v1/customers/ada/forecast", {"days": 365}).json()
    ninety = client.get("/api/v1/customers/ada/forecast", {"days": 90}).json()

    assert set(short) == {"customer_id", "days", "expected_purchases", "as_of"}
    assert (short["customer_id"], short["days"]) == ("ada", 30)
    assert 0 < short["expected_purchases"] < long["expected_purchases"]
    ada = Customer.objects.get(external_id="ada")
    assert ninety["expected_purchases"] == pytest.approx(ada.expected_purchases_90d)


@pytest.mark.parametrize(("case", "query"), [
    ("missing", ""), ("zero", "?days=0"), ("negative", "?days=-5"), ("text", "?days=soon"),
    ("too far", "?days=100000"), ("fraction", "?days=1.5"),
])
def test_forecast_rejects_bad_days_naming_the_field(fitted, key_client, case, query) -> None:
    response = key_client("read").get(f"/api/v1/customers/ada/forecast{query}")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["days"]


def test_forecast_of_an_unknown_customer_is_404(fitted, key_client) -> None:
    response = key_client("read").get("/api/v1/customers/nobody/forecast?days=30")

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/insights/model",
                                  "/api/v1/customers/ada/forecast?days=30"])
def test_insights_need_authentication_and_read(fitted, key_client, path) -> None:
    assert APIClient().get(path).status_code == 401
    assert key_client("events:write").get(path).status_code == 403


def test_customer_api_shows_the_scores(fitted, key_client) -> None:
    client = key_client("read")

    body = client.get("/api/v1/customers/ada").json()
    ranked = client.get("/api/v1/customers", {"ordering": "-p_alive",
                                              "churn_score_min": 0.5}).json()

    assert {"p_alive", "expected_purchases_90d", "clv", "churn_score", "churn_reason",
            "tier", "scored_at"} <= body.keys()
    assert body["churn_reason"] == "6 purchases, about every 10 days; the last one today."
    scores = [c["p_alive"] for c in ranked["results"]]
    assert scores == sorted(scores, reverse=True)
    assert all(c["churn_score"] >= 0.5 for c in ranked["results"])


@pytest.mark.parametrize("ordering", ["churn_score", "-churn_score", "-clv", "p_alive"])
def test_customers_not_scored_yet_sort_last_either_way(fitted, key_client, ordering) -> None:
    Customer.objects.create(external_id="new-lead")  # no purchase: no scores

    body = key_client("read").get("/api/v1/customers", {"ordering": ordering,
                                                        "page_size": 500}).json()

    field = ordering.lstrip("-")
    values = [c[field] for c in body["results"]]
    assert values[-1] is None and None not in values[:-1]
    assert body["results"][-1]["external_id"] == "new-lead"
