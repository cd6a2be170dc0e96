"""Ready connectors on the canvas (issue 22): a Zendesk ticket configured in its own form,
the credential picked by name. Driven in headless Chromium by connector_scenario.cjs."""

import pytest

from apps.integrations.services import credential_create
from apps.workflows.models import Workflow
from tests.e2e.test_canvas import scenario_run
from tests.e2e.test_plain_words import DEVELOPER_TEXT


@pytest.mark.django_db(transaction=True)
def test_a_zendesk_ticket_is_configured_without_http(browser_ready, live_server, make_user,
                                                     tmp_path):
    publisher = make_user("publisher")
    credential = credential_create(name="Zendesk support", kind="basic", secret="tok",
                                   username="agent@acme.com/token",
                                   allowed_hosts=["acme.zendesk.com"])

    seen = scenario_run(browser_ready, live_server, tmp_path, script="connector_scenario.cjs",
                        publisher=publisher.username)

    assert seen["group_cards"] == [
        "action.zendesk_ticket", "action.freshdesk_ticket", "action.hubspot",
        "action.salesforce", "action.pipedrive", "action.slack_message",
        "action.teams_message"]
    assert "Zendesk support" in seen["credential_options"]
    assert "Ticket number" not in seen["form_text"]  # only for "Update a ticket"
    assert not DEVELOPER_TEXT.search(seen["form_text"]), seen["form_text"]
    [node] = Workflow.objects.get(pk=seen["workflow_id"]).draft_graph["nodes"]
    assert (node["id"], node["type"]) == (seen["node"], "action.zendesk_ticket")
    assert {key: node["config"][key] for key in (
        "subdomain", "credential_id", "subject", "description", "priority")} == {
        "subdomain": "acme", "credential_id": credential.id,
        "subject": "Call-back wanted: {{ customer.name }}",
        "description": "{{ customer.name }} gave us a low score.", "priority": "high"}
    assert seen["page_errors"] == []
