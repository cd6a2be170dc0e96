"""A suppressed message never looks sent: a customer who texted STOP meets an apology SMS
workflow, and the canvas count, the dry run and the run inspector all say "not sent: no
SMS consent" (issue 21). Driven in headless Chromium by outcomes_scenario.cjs."""

import pytest

from apps.customers.models import Customer
from apps.messaging.models import Message
from apps.messaging.services import sms_keyword_apply
from apps.workflows.services import workflow_create, workflow_publish
from tests.e2e.test_canvas import event_runs, scenario_run
from tests.workflows.graphs import LOW_SCORE, edge, graph, node, trigger

APOLOGY = graph(
    trigger("t1", condition=LOW_SCORE),
    node("a1", "action.send_sms", {"body": "Sorry {{ customer.first_name }}, we will make it "
                                           "right.", "category": "marketing"}),
    edges=[edge("t1", "a1")])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_customer_who_sent_stop_shows_not_sent_everywhere(browser_ready, live_server,
                                                            make_user, key_client, tmp_path):
    # Given Lea, who opted in to SMS and then texted STOP, and a published apology SMS
    phone = "+4915100000021"
    Customer.objects.create(external_id="lea", first_name="Lea", phone=phone,
                            consent={"sms": {"status": "granted", "source": "signup"}})
    assert sms_keyword_apply(from_number=phone, body="STOP") == "denied"
    publisher = make_user("publisher")
    workflow, result = workflow_create(name="Apology SMS", graph=APOLOGY, user=publisher)
    assert not result.errors, result.errors
    workflow_publish(workflow.pk, user=publisher)

    # When she gives bad feedback (a real Celery worker runs the workflow)
    event_runs(key_client, workflow, "lea", {"score": 2})
    message = Message.objects.get(workflow_id=workflow.pk)
    assert (message.status, message.reason) == ("suppressed", "no_consent")

    # Then the publisher reads "not sent: no SMS consent" on the block, in the dry run and
    # in the run inspector, and the block is not lit as if it had sent
    seen = scenario_run(browser_ready, live_server, tmp_path, script="outcomes_scenario.cjs",
                        extra={"WORKFLOW_ID": str(workflow.pk), "CUSTOMER": "lea",
                               "SMS_NODE": "a1"},
                        publisher=publisher.username)
    assert seen["canvas_outcomes"] == ["1 not sent: no SMS consent"]
    assert seen["dry_status"] == ["not sent: no SMS consent"]
    assert seen["dry_verdict"] == "Would not send: Lea has no SMS consent"
    assert seen["dry_effects"][0].startswith("Send the SMS “Sorry Lea, we will make it right.”")
    assert "not sent: no SMS consent" in seen["dry_effects"][0]
    assert seen["dry_not_sent"] == ["a1"]
    assert seen["run_status"] == ["not sent: no SMS consent"]
    assert seen["run_not_sent_steps"] == 1
    assert seen["highlighted_not_sent"] == ["a1"] and seen["highlighted_path"] == ["t1"]
    assert seen["page_errors"] == []
