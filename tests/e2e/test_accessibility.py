"""Accessibility (issue 21): axe-core finds no serious or critical WCAG 2.1 A/AA violation
on the main pages (dashboard, workflows, the canvas, customers, a customer, segments,
tasks, task queues, events, exit reasons, team blocks), and a block moves with the keyboard. Driven
in headless Chromium by axe_scenario.cjs."""

import pytest

from apps.customers.models import Customer
from apps.workflows.starters import starter_use
from tests.e2e.test_canvas import scenario_run


@pytest.mark.django_db(transaction=True)
def test_the_main_pages_have_no_serious_accessibility_violations(browser_ready, live_server,
                                                                 make_user, tmp_path):
    publisher = make_user("publisher")
    workflow, _ = starter_use("negative_feedback_apology", user=publisher)
    Customer.objects.create(external_id="c-1", first_name="Ada", churn_score=0.8, tier="vip")

    seen = scenario_run(browser_ready, live_server, tmp_path, script="axe_scenario.cjs",
                        extra={"WORKFLOW_ID": str(workflow.pk), "CUSTOMER": "c-1"},
                        publisher=publisher.username)

    serious = {page: [v for v in found if v["impact"] in ("serious", "critical")]
               for page, found in seen["violations"].items()}
    assert serious == {page: [] for page in serious}, serious
    assert seen["moved_by_keyboard"] is True  # a focused block moves with the arrow keys
    assert "unsaved changes" in seen["editor_status"]
    assert seen["page_errors"] == []
