"""The churn score in the browser: "Why this score" on a contract customer's page, and an
admin changing a weight and a threshold on the settings page. Driven in headless
Chromium by churn_settings_scenario.cjs."""

import pytest

from apps.insights.selectors import insights_settings_get
from apps.insights.services import churn_fit
from tests.e2e.test_canvas import scenario_run
from tests.insights.test_contracts import AS_OF, contracts  # noqa: F401 (fixture)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("contracts")
def test_why_this_score_and_the_settings_page(browser_ready, live_server, make_user, tmp_path):
    # Given scored contract customers (alice: contract ends in 12 days, feedback 3/10)
    churn_fit(AS_OF)
    admin = make_user("admin")

    seen = scenario_run(browser_ready, live_server, tmp_path,
                        script="churn_settings_scenario.cjs",
                        extra={"CUSTOMER": "alice"}, admin=admin.username)

    assert "Churn score 0.46" in seen["breakdown"]
    rows = [[cell.strip() for cell in row.split("\t")] for row in seen["breakdown_rows"]]
    assert rows[0] == [
        "Contract end is near", "Contract ends in 12 days", "+0.22"]
    assert rows[1] == [
        "Low last feedback or NPS score", "Last feedback 3/10", "+0.14"]
    assert "0 of 3 contract customers would score 0.70 or more (now 0)" in seen["preview_before"]
    # alice (4.333 + 0.14 + 0.1) / 5.75 = 0.795, bob (5 + 0.3) / 5.75 = 0.92: both at risk
    assert "2 of 3 contract customers would score 0.70 or more (now 0)" in seen["preview_after"]
    assert "87 % of the score" in seen["share"]  # 5 / (5 + 0.2 + 0.15 + 0.1 + 0.3)
    assert "List the tiers highest first" in seen["refused"]
    assert seen["saved"] == "Saved. The new settings apply at the next scoring."
    assert seen["page_errors"] == []
    saved = insights_settings_get()
    assert saved.churn_score_threshold == 0.6 and saved.weights["contract_end"] == 5
    assert saved.updated_by == admin
