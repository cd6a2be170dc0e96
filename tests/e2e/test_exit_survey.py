"""The exit survey end to end (issue 19): a published workflow with the exit-survey block
meets a cancellation on a real Celery worker; the link in the sent e-mail opens the hosted
page in Chromium, the customer answers in German, a second visit says it is answered, and
a viewer sees the answer counted on the Exit reasons page. Driven by
exit_survey_scenario.cjs."""

import re

import pytest
from celery.contrib.testing.worker import start_worker

from apps.config.celery import app
from apps.customers.models import Customer, Event
from apps.engine.models import Run, RunState
from apps.messaging.models import Message
from apps.surveys.defaults import exit_reasons_defaults_ensure
from apps.surveys.models import ExitReason, ExitSurvey
from apps.workflows.services import workflow_create, workflow_publish
from tests.broker import broker_purge
from tests.e2e.test_canvas import scenario_run, wait_for
from tests.workflows.graphs import edge, graph, node, trigger

EXIT_SURVEY = graph(
    trigger(event_type="subscription.cancelled"),
    node("s1", "action.exit_survey", {
        "subject": "{{ customer.first_name }}, eine kurze Frage",
        "body": '<p>Schade, dass Sie gehen. <a href="{{ survey.url }}">Warum?</a></p>',
        "reasons": ["too_expensive", "poor_service"]}),
    edges=[edge("t1", "s1")])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_exit_survey_link_works_end_to_end(browser_ready, live_server, make_user,
                                               key_client, tmp_path, settings):
    # Given Lena (German, e-mail opt-in) and a published exit-survey workflow; links point
    # at this server
    settings.KEEPFLOW_PUBLIC_URL = live_server.url
    exit_reasons_defaults_ensure()  # seeded by a migration; an earlier test may have flushed
    Customer.objects.create(external_id="lena", first_name="Lena", last_name="Vogel",
                            email="lena@example.com", locale="de-AT",
                            consent={"email": {"status": "granted", "source": "signup"}})
    publisher, viewer, admin = make_user("publisher"), make_user("viewer"), make_user("admin")
    workflow, result = workflow_create(name="Exit survey", graph=EXIT_SURVEY, user=publisher)
    assert not result.errors, result.errors
    workflow_publish(workflow.pk, user=publisher)

    # When she cancels (a real Celery worker runs the workflow)
    broker_purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        answer = key_client("events:write").post(
            "/api/v1/events", {"customer_id": "lena", "type": "subscription.cancelled"},
            format="json")
        assert answer.status_code == 202, answer.content
        wait_for(lambda: Run.objects.filter(workflow=workflow,
                                            state=RunState.COMPLETED).exists(), "the run")
    message = Message.objects.get(workflow_id=workflow.pk)
    assert message.status in ("queued", "sending", "sent"), (message.status, message.reason)
    link = re.search(r'href="([^"]+)"', message.body).group(1)
    assert link.startswith(f"{live_server.url}/s/")

    # Then the link from the e-mail works in the browser, once, and the answer is counted
    seen = scenario_run(browser_ready, live_server, tmp_path,
                        script="exit_survey_scenario.cjs",
                        extra={"SURVEY_URL": link, "WORKFLOW_ID": str(workflow.pk)},
                        viewer=viewer.username, admin=admin.username)
    assert seen["form_status"] == 200 and seen["lang"] == "de"
    assert seen["heading"] == "Warum haben Sie uns verlassen?"
    assert seen["greeting"] == "Hallo Lena,"
    assert seen["choices"] == ["too_expensive", "poor_service"]  # the block's choice
    assert seen["after_answer"] == "Vielen Dank!"
    assert (seen["again_status"], seen["again"]) == (200, "Bereits beantwortet")
    assert (seen["tampered_status"], seen["tampered"]) == (404, "Link not valid")
    assert (seen["sent"], seen["answered"], seen["rate"]) == ("1", "1", "100 %")
    assert ["too_expensive", "1"] in seen["rows"]
    assert seen["chart_bars"] == 1
    assert seen["reasons"] == ["too_expensive", "better_offer", "poor_service",
                               "no_longer_needed", "other"]
    assert seen["viewer_can_edit"] == 0
    # and the block on the canvas: its summary, what became of its e-mail, its reasons
    assert seen["canvas_summary"] == ["Asks why they left, by e-mail", "2 reasons offered"]
    assert seen["canvas_outcomes"] in (["1 sent"], ["1 waiting to go out"])
    assert "lucide-clipboard-list" in seen["canvas_icon"]
    assert [label.strip() for label in seen["canvas_reasons"]] == [
        "Too expensive", "Found a better offer", "Poor service", "Moved or no longer need it",
        "Other"]
    # and an admin stops offering one reason, moves one up, renames one and adds one
    assert seen["admin_rows"] == [
        ["too_expensive", "offered"], ["poor_service", "offered"], ["better_offer", "offered"],
        ["no_longer_needed", "offered"], ["other", "not offered"], ["shop_closed", "offered"]]
    assert ExitReason.objects.get(code="too_expensive").label_de == "Einfach zu teuer"
    assert seen["page_errors"] == []

    survey = ExitSurvey.objects.get()
    assert (survey.reason_code, survey.free_text) == ("too_expensive",
                                                      "Der neue Tarif ist mir zu teuer.")
    event = Event.objects.get(type="exit_survey.answered")
    assert event.properties["reason_code"] == "too_expensive"
    assert event.properties["workflow_id"] == workflow.pk
