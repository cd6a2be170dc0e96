"""The Report tab renders in Chromium (issue 20): a workflow whose treated customers
converted more often than its control group shows the verdict in words, a bar chart of
both groups' conversion rates with their 95 % ranges and the numbers; a workflow with
no control group says how to get one; the settings carry the control group and goal
fields. Driven by report_scenario.cjs."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.customers.models import Customer, Event
from apps.engine.models import Run
from apps.messaging.models import Message
from apps.workflows.models import Workflow
from apps.workflows.services import workflow_create, workflow_publish
from tests.e2e.test_canvas import scenario_run
from tests.workflows.graphs import edge, graph, node, trigger

TAG = graph(trigger(), node("a", "action.update_customer", {"add_tags": ["x"]}),
            edges=[edge("t1", "a")])
_keys = itertools.count()


def campaign(workflow: Workflow, treated: tuple[int, int], control: tuple[int, int]) -> None:
    """Customers who entered three days ago, recorded as the engine records them (the
    held out ended at once; the treated passed both blocks and got an e-mail), and the
    goal events of those who converted: (customers, converted) per group."""
    entered = timezone.now() - timedelta(days=3)
    for holdout, (customers, converted) in (("", treated), ("entry", control)):
        for i in range(customers):
            someone = Customer.objects.create(external_id=f"w{workflow.pk}-{holdout}-{i}")
            run = Run.objects.create(
                workflow=workflow, version=workflow.published_version, customer=someone,
                trigger_node="t1", entry_key=f"e2e:{next(_keys)}",
                state="exited" if holdout else "completed", holdout=holdout,
                exit_reason="held_out" if holdout else "",
                visits={} if holdout else {"t1": 1, "a": 1},
                created_at=entered, updated_at=entered, ended_at=entered)
            if not holdout:
                Message.objects.create(customer=someone, channel="email", body="Hi",
                                       status="sent", run_id=run.pk, workflow_id=workflow.pk,
                                       node_id="a", idempotency_key=f"e2e-m{next(_keys)}",
                                       created_at=entered)
            if i < converted:
                when = entered + timedelta(days=1)
                Event.objects.create(customer=someone, type="order.completed",
                                     properties={"amount": 40}, occurred_at=when,
                                     received_at=when, idempotency_key=f"e2e-{next(_keys)}")


@pytest.mark.django_db(transaction=True)
def test_the_report_tab_shows_the_verdict_chart_and_numbers(browser_ready, live_server,
                                                            make_user, tmp_path):
    # Given a workflow with a 20 % control group: 160 of 400 treated customers ordered
    # within 14 days, 10 of 100 held out; an e-mail costs 0.50 and a kept customer is
    # worth 120
    publisher, viewer = make_user("publisher"), make_user("viewer")
    goal = {"event_type": "order.completed", "value_property": "amount", "within_days": 14}
    costs = {"email": "0.50", "retained_customer_value": "120", "currency": "EUR"}
    workflow, _ = workflow_create(name="Win-back", graph=TAG, user=publisher,
                                  settings={"control_percent": 20, "goal": goal,
                                            "costs": costs})
    workflow = workflow_publish(workflow.pk, user=publisher)
    campaign(workflow, treated=(400, 160), control=(100, 10))
    # and one without a control group
    empty, _ = workflow_create(name="Apology", graph=TAG, user=publisher,
                               settings={"goal": {"event_type": "order.completed",
                                                  "window_days": 7}})
    empty = workflow_publish(empty.pk, user=publisher)
    campaign(empty, treated=(5, 1), control=(0, 0))

    # When a viewer opens the Report tab of each
    seen = scenario_run(browser_ready, live_server, tmp_path, script="report_scenario.cjs",
                        extra={"WORKFLOW_ID": str(workflow.pk),
                               "EMPTY_WORKFLOW_ID": str(empty.pk)},
                        viewer=viewer.username)

    # Then the verdict is in words: 40 % against 10 %, a 30-point lift, with its range
    assert seen["verdict"].startswith("Lifts conversions by 30.0 pp (95 % range ")
    assert seen["goal"] == "Goal: order.completed within 14 days of entering, worth its “amount”"
    # the chart has both groups' bars with whiskers, and says what it shows
    assert seen["chart_bars"] == 2 and seen["chart_whiskers"] == 6
    assert "Treated 40.0 %" in seen["chart_label"] and "Control group 10.0 %" in seen["chart_label"]
    assert [row.split("\t")[:4] for row in seen["table"]] == [
        ["Treated", "400", "160", "40.0 %"], ["Control group", "100", "10", "10.0 %"]]
    assert "Value added" in seen["numbers"] and "p-value" in seen["numbers"]
    assert "NaN" not in seen["panel_text"] and "Infinity" not in seen["panel_text"]
    # whether it pays: 400 e-mails at 0.50 = 200 EUR, 0.50 per contacted customer, 0.42 %
    # of 120: 1 in 240; 30 % x 400 x 120 - 200 = 14,200 net, ROI 14,200 / 200 = 7,100 %
    assert seen["roi"].startswith("Does it pay?")
    assert "Pays off: return on investment 7,100 % (95 % range " in seen["roi"]
    assert "Pays off if it keeps 1 in 240 contacted customers (0.4 %)" in seen["roi"]
    assert "200 EUR (0.5 per contacted customer)" in seen["roi"]
    # and per block: both blocks passed by the 400 treated, 40 % of whom converted
    assert [row.split("\t") for row in seen["nodes"]] == [
        ["t1 trigger.event", "400", "40.0 % (35.3 \u2013 44.9 %)"],
        ["a action.update_customer", "400", "40.0 % (35.3 \u2013 44.9 %)"]]
    # the last 7 days hold the same customers
    assert seen["verdict_7_days"] == seen["verdict"]
    # the runs list and the inspector say in words that a run was held out
    assert seen["runs_held_out"] >= 10
    assert seen["inspector_title"].endswith(
        "(exited: held out: in the control group, sent nothing)")
    # a workflow without a control group says how to get one
    assert seen["empty"] == "No control group: set one in settings to measure the effect."
    # and the settings show the control group and the goal's fields (an old window kept)
    assert seen["control_value"] == "0"
    assert seen["goal_value_label"] == 1
    assert seen["goal_within"] == "7"
    assert seen["page_errors"] == []
