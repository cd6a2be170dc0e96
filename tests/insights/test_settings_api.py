"""GET/PUT /api/v1/insights/settings: the environment's values until an admin saves,
who may change them, what is refused, and what a save changes."""

from __future__ import annotations

from datetime import date

import pytest

from apps.customers.models import Customer, Event
from apps.insights.models import InsightsSettings
from apps.insights.selectors import insights_settings_get
from apps.insights.services import churn_fit
from tests.insights.conftest import purchases_store, simulated_purchases

pytestmark = pytest.mark.django_db
URL = "/api/v1/insights/settings"
END = date(2026, 6, 30)

DEFAULTS = {
    "churn_score_threshold": 0.7, "p_alive_threshold": 0.3,
    "tiers": [{"name": "vip", "percentile": 0.95}, {"name": "high", "percentile": 0.8},
              {"name": "standard", "percentile": 0.4}, {"name": "low", "percentile": 0.0}],
    "contract_attribute": "contract_end",
    "weights": {"contract_end": 0.25, "feedback": 0.2, "complaints": 0.15,
                "inactivity": 0.1, "cancellation": 0.3},
    "contract_horizon_days": 90, "feedback_event": "feedback.submitted",
    "feedback_field": "properties.score", "feedback_scale": 10.0,
    "complaint_event": "support.ticket_opened", "complaint_window_days": 90,
    "complaints_full": 3, "inactivity_full_ratio": 3.0, "default_rhythm_days": 30,
    "cancellation_event": "cancellation.requested", "cancellation_window_days": 90,
    "updated_at": None, "updated_by": None,
}


def test_the_environment_is_the_default_until_saved(client_as, settings) -> None:
    settings.KEEPFLOW_INSIGHTS = {**settings.KEEPFLOW_INSIGHTS, "P_ALIVE_THRESHOLD": 0.25}

    body = client_as("viewer").get(URL).json()

    assert body == {**DEFAULTS, "p_alive_threshold": 0.25}
    assert not InsightsSettings.objects.exists()


@pytest.mark.parametrize(("role", "status"), [
    pytest.param("viewer", 403, id="viewer"), pytest.param("composer", 403, id="composer"),
    pytest.param("publisher", 403, id="publisher"), pytest.param("admin", 200, id="admin")])
def test_only_admins_change_the_settings(client_as, role, status) -> None:
    client = client_as(role)

    assert client.get(URL).status_code == 200
    assert client.put(URL, {"churn_score_threshold": 0.6},
                      format="json").status_code == status


@pytest.mark.parametrize(("scopes", "status"), [(["read"], 403), (["admin"], 200)])
def test_api_key_scopes(key_client, scopes, status) -> None:
    assert key_client(*scopes).put(URL, {"p_alive_threshold": 0.2},
                                   format="json").status_code == status


def test_an_admin_saves_and_everyone_reads_it(client_as, make_user) -> None:
    admin = client_as("admin")

    response = admin.put(URL, {
        "churn_score_threshold": 0.55, "weights": {"feedback": 1.5},
        "tiers": [{"name": "gold", "percentile": 0.9}, {"name": "rest", "percentile": 0}],
    }, format="json")

    assert response.status_code == 200, response.json()
    body = client_as("viewer").get(URL).json()
    assert body["churn_score_threshold"] == 0.55
    assert body["weights"] == {**DEFAULTS["weights"], "feedback": 1.5}  # the others kept
    assert body["tiers"] == [{"name": "gold", "percentile": 0.9},
                             {"name": "rest", "percentile": 0.0}]
    assert body["updated_by"].startswith("admin") and body["updated_at"]
    saved = insights_settings_get()
    assert saved.tiers == [["gold", 0.9], ["rest", 0.0]] and saved.pk == 1


@pytest.mark.parametrize(("case", "payload", "error"), [
    ("threshold above 1", {"churn_score_threshold": 1.5},
     ("churn_score_threshold", "Ensure this value is less than or equal to 1.")),
    ("negative p_alive", {"p_alive_threshold": -0.1},
     ("p_alive_threshold", "Ensure this value is greater than or equal to 0.")),
    ("negative weight", {"weights": {"feedback": -1}},
     ("weights.feedback", "Ensure this value is greater than or equal to 0.")),
    ("all weights zero", {"weights": {"contract_end": 0, "feedback": 0, "complaints": 0,
                                      "inactivity": 0, "cancellation": 0}},
     ("weights", "Give at least one signal a weight above 0.")),
    ("tiers ascending", {"tiers": [{"name": "low", "percentile": 0},
                                   {"name": "vip", "percentile": 0.9}]},
     ("tiers", "List the tiers highest first: each percentile below the one before.")),
    ("tier names twice", {"tiers": [{"name": "a", "percentile": 0.9},
                                    {"name": "a", "percentile": 0.1}]},
     ("tiers", "Give each tier its own name.")),
    ("no tiers", {"tiers": []}, ("tiers", "Give at least one tier.")),
    ("tier without percentile", {"tiers": [{"name": "vip"}]},
     ("tiers", "Give each tier a name and a percentile.")),
    ("feedback field", {"feedback_field": "score"},
     ("feedback_field", "Write it as properties.<key>, e.g. properties.score.")),
    ("ratio of 1", {"inactivity_full_ratio": 1},
     ("inactivity_full_ratio", "Ensure this value is greater than or equal to 1.1.")),
    ("attribute", {"contract_attribute": "contract end"},
     ("contract_attribute", "Use letters, digits and _, starting with a letter.")),
    ("event type", {"cancellation_event": "cancel\tnow"},
     ("cancellation_event", "printable text without leading or trailing spaces, "
                            "e.g. purchase")),
])
def test_invalid_settings_are_refused_naming_the_field(client_as, case, payload,
                                                        error) -> None:
    response = client_as("admin").put(URL, payload, format="json")

    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [error]
    assert not InsightsSettings.objects.exists()


def test_saved_thresholds_and_tiers_drive_the_model_scoring(client_as) -> None:
    purchases_store(simulated_purchases(300, seed=5, end=END))
    client_as("admin").put(URL, {"churn_score_threshold": 0.4, "tiers": [
        {"name": "top", "percentile": 0.5}, {"name": "bottom", "percentile": 0}]},
        format="json")

    fit = churn_fit(END)
    churn_fit(date(2026, 10, 28))

    assert [name for name, _ in fit.tier_cuts] == ["top", "bottom"]
    assert set(Customer.objects.values_list("tier", flat=True)) == {"top", "bottom"}
    crossed = Event.objects.filter(type="churn_score.crossed", properties__measure="churn_score")
    assert crossed.exists()
    assert {e.properties["threshold"] for e in crossed} == {0.4}


def test_preview_counts_contract_customers_at_risk(client_as) -> None:
    # Given two contract customers: contract ended (1.0 on that signal) and far away (0)
    for n, end in enumerate(("2026-06-01", "2030-01-01")):
        Customer.objects.create(external_id=f"c{n}", attributes={"contract_end": end})
    churn_fit(END)  # c0: 0.25 (contract end only); c1: 0
    client = client_as("viewer")

    as_saved = client.post(f"{URL}/preview", {}, format="json").json()
    contract_only = client.post(f"{URL}/preview", {
        "weights": {"contract_end": 1, "feedback": 0, "complaints": 0, "inactivity": 0,
                    "cancellation": 0}, "churn_score_threshold": 0.9}, format="json").json()

    assert as_saved == {"contract_customers": 2, "at_risk": 0, "currently_at_risk": 0}
    assert contract_only == {"contract_customers": 2, "at_risk": 1, "currently_at_risk": 0}
    assert client.post(f"{URL}/preview", {"weights": {"feedback": -1}},
                       format="json").status_code == 400
