"""action.exit_survey in the engine and the dry run: the survey link goes out through the
real messaging service (consent applies), the answer is an `exit_survey.answered` event
that starts other workflows, and a dry run sends nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.customers.models import Customer, Event
from apps.engine.events import events_handle
from apps.engine.models import Run
from apps.messaging.models import Message
from apps.surveys.models import ExitSurvey
from apps.workflows.dryrun import graph_walk
from tests.engine.conftest import ingest
from tests.engine.runs_helpers import advance_all
from tests.workflows.graphs import edge, graph, node, trigger

CONSENT = {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"}
EMAIL = {"subject": "{{ customer.first_name }}, one question",
         "body": '<p>Why did you leave? <a href="{{ survey.url }}">Answer</a></p>',
         "reasons": ["too_expensive", "poor_service", "other"]}
SMS = {"channel": "sms", "body": "Why did you leave? {{ survey.url }}",
       "category": "transactional"}


def survey_graph(config: dict) -> dict:
    return graph(trigger(event_type="subscription.cancelled"),
                 node("s1", "action.exit_survey", config), edges=[edge("t1", "s1")])


def link_in(text: str) -> str:
    match = re.search(r"https?://[^\s\"<]+/s/[^\s\"<]+", text)
    assert match, text
    return match.group(0)


@pytest.mark.django_db
def test_the_link_goes_out_through_messaging_and_the_answer_starts_a_workflow(publish):
    # Given Olga (Russian, e-mail opt-in), a published exit survey and a workflow that tags
    # customers who answer "too expensive"
    olga = Customer.objects.create(external_id="olga", first_name="Olga", locale="ru",
                                   email="olga@example.com", consent={"email": CONSENT})
    workflow = publish(survey_graph(EMAIL), name="Exit survey")
    follow_up = publish(graph(
        trigger(event_type="exit_survey.answered", condition={"all": [
            {"field": "event.properties.reason_code", "op": "eq", "value": "too_expensive"}]}),
        node("u1", "action.update_customer", {"add_tags": ["price_sensitive"]}),
        edges=[edge("t1", "u1")]), name="Price follow-up")

    # When she cancels
    events_handle(ingest("olga", "subscription.cancelled"))
    advance_all()

    # Then the e-mail is queued by messaging with her personal, signed link
    message = Message.objects.get(workflow_id=workflow.pk)
    survey = ExitSurvey.objects.get()
    assert (message.channel, message.status, message.subject) == (
        "email", "queued", "Olga, one question")
    assert message.idempotency_key == survey.idempotency_key
    assert (survey.customer, survey.run_id, survey.node_id, survey.reason_codes) == (
        olga, Run.objects.get(workflow=workflow).pk, "s1", EMAIL["reasons"])
    url = link_in(message.body)
    path = url.split("://", 1)[1].split("/", 1)[1]

    # And the page asks in Russian; her answer is an event that starts the follow-up
    client = Client()
    form = client.get(f"/{path}")
    assert "Почему вы от нас ушли?" in form.content.decode()
    assert 'value="better_offer"' not in form.content.decode()
    client.post(f"/{path}", {"reason": "too_expensive", "free_text": "Дорого"})
    event = Event.objects.get(type="exit_survey.answered")
    assert (event.properties["workflow_id"], event.properties["run_id"],
            event.properties["node_id"]) == (workflow.pk, survey.run_id, "s1")
    events_handle([event.pk])
    advance_all()
    olga.refresh_from_db()
    assert "price_sensitive" in olga.tags
    assert Run.objects.filter(workflow=follow_up).count() == 1


@pytest.mark.django_db
def test_without_consent_the_survey_is_not_sent(publish):
    Customer.objects.create(external_id="max", first_name="Max", email="max@example.com")
    workflow = publish(survey_graph(EMAIL))

    events_handle(ingest("max", "subscription.cancelled"))
    advance_all()

    message = Message.objects.get(workflow_id=workflow.pk)
    assert (message.status, message.reason) == ("suppressed", "no_consent")


@pytest.mark.django_db
def test_sms_survey_via_the_engine(publish):
    Customer.objects.create(external_id="ann", phone="+4915112345670")
    workflow = publish(survey_graph(SMS))

    events_handle(ingest("ann", "subscription.cancelled"))
    advance_all()

    message = Message.objects.get(workflow_id=workflow.pk)
    assert message.channel == "sms" and message.status == "queued"
    assert message.body.startswith("Why did you leave? http")
    assert "/s/" in link_in(message.body)


@pytest.mark.django_db
def test_a_dry_run_records_the_survey_and_the_message_and_sends_nothing():
    result = graph_walk(survey_graph(EMAIL), {
        "customer": {"first_name": "Ada"}, "event": {"type": "subscription.cancelled"}})

    assert (result.path, result.outcome) == (["t1", "s1"], "completed")
    assert [effect["type"] for effect in result.effects] == ["create_exit_survey",
                                                             "send_email"]
    assert result.effects[1]["body"] == ('<p>Why did you leave? <a href='
                                         '"https://keepflow.example/s/test-s1">Answer</a></p>')
    assert not ExitSurvey.objects.exists() and not Message.objects.exists()
