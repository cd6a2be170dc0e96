"""GET /api/v1/me: who is signed in, what they may do, and the installation's currency
(money on the customer pages and a new workflow's costs are in it)."""

import pytest

pytestmark = pytest.mark.django_db


def test_me_names_the_role_and_the_installation_currency(client_as, settings):
    settings.KEEPFLOW_CURRENCY = "CHF"

    body = client_as("viewer").get("/api/v1/me").json()

    assert (body["role"], body["currency"]) == ("viewer", "CHF")
    assert body["capabilities"] == ["read"]


def test_a_new_workflow_counts_its_costs_in_the_installation_currency(client_as, settings):
    settings.KEEPFLOW_CURRENCY = "CHF"

    created = client_as("composer").post("/api/v1/workflows", {"name": "Win back"},
                                         format="json")

    assert created.status_code == 201, created.content
    assert created.json()["settings"]["costs"]["currency"] == "CHF"
