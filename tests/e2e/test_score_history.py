"""The customer page shows the churn score and P(alive) over time as a chart (with an
empty state before the first fit), and the customers list sorts and filters by the
scores (issue 19). Driven in headless Chromium by score_history_scenario.cjs."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.customers.models import Customer
from apps.insights.models import ScorePoint
from tests.e2e.test_canvas import scenario_run

START = datetime(2026, 9, 1, 12, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_the_customer_page_charts_the_scores_and_the_list_sorts_by_them(
        browser_ready, live_server, make_user, tmp_path):
    # Given Ada, whose churn risk rose over three fits, and customers scored otherwise
    ada = Customer.objects.create(external_id="ada", first_name="Ada", churn_score=0.8,
                                  p_alive=0.2, clv="310.00", tier="high")
    for week, (churn, alive, tier) in enumerate([(0.2, 0.8, "vip"), (0.5, 0.5, "high"),
                                                 (0.8, 0.2, "high")]):
        ScorePoint.objects.create(customer=ada, at=START + timedelta(weeks=week),
                                  as_of=(START + timedelta(weeks=week)).date(),
                                  churn_score=churn, p_alive=alive, clv="310.00", tier=tier)
    Customer.objects.create(external_id="bo", churn_score=0.3, p_alive=0.7, clv="90.00",
                            tier="high")
    Customer.objects.create(external_id="cy", churn_score=0.6, p_alive=0.4, clv="20.00",
                            tier="low")
    Customer.objects.create(external_id="new")  # not scored yet
    viewer = make_user("viewer")

    # When a viewer sorts and filters the list, and opens Ada and the new customer
    seen = scenario_run(browser_ready, live_server, tmp_path,
                        script="score_history_scenario.cjs",
                        extra={"SCORED": "ada", "UNSCORED": "new"}, viewer=viewer.username)

    # Then the list sorted by churn score (the unscored last either way) and filtered
    assert seen["by_churn"] == ["ada", "cy", "bo", "new"]
    assert seen["by_churn_ascending"] == ["bo", "cy", "ada", "new"]
    assert seen["filtered"] == ["ada"]
    # and Ada's chart has a dot per point on both lines, the thresholds, local-date tips
    assert seen["churn_dots"] == seen["alive_dots"] == 3
    assert all(line.startswith("M0 ") for line in seen["lines"])
    assert seen["thresholds"] == ["churn alert at 0.7", "P(alive) alert below 0.3"]
    assert seen["tooltips"][0] == "Sep 1, 2026: churn score 0.20, P(alive) 0.80, tier vip"
    assert seen["tooltips"][2].endswith(": churn score 0.80, P(alive) 0.20, tier high")
    assert seen["chart_label"].startswith("Churn score and P(alive) from Sep 1, 2026 to ")
    assert seen["empty"].startswith("No score yet: scores come from the nightly fit")
    assert seen["page_errors"] == []
