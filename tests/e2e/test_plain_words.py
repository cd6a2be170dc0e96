"""A person reads plain words on the canvas (issue 21): a wait's duration is a number and a
unit, block cards summarise their settings with a distinct icon per type and no internal
ids, a new block starts empty asking to be set up, a refused publish names the block by
its title and the field by its label and says how to fix it, and nothing on the page
reads like a developer's (regex, JSON path, raw codes); opening blocks marks nothing
changed, and leaving with unsaved edits asks in an in-app dialog. Driven in headless Chromium by
plain_words_scenario.cjs."""

import re

import pytest

from apps.workflows.models import Workflow
from apps.workflows.services import workflow_create
from tests.e2e.test_canvas import scenario_run
from tests.workflows.graphs import edge, graph, node, trigger, wait

DEVELOPER_TEXT = re.compile(
    r"graph\.nodes|config\.[a-z_]+|\^\(|\)\$|must match|must have required|Something went "
    r"wrong|Invalid input|\{\"|\"\w+\":")


@pytest.mark.django_db(transaction=True)
def test_durations_and_refused_publish_read_as_words(browser_ready, live_server, make_user,
                                                     tmp_path):
    # Given a draft: bad feedback -> wait 2 days -> an SMS whose text is still empty
    publisher = make_user("publisher")
    draft = graph(trigger("t1"), wait("w1", "2d"),
                  node("a1", "action.send_sms", {"category": "marketing"}, label="Sorry SMS"),
                  edges=[edge("t1", "w1"), edge("w1", "a1")])
    workflow, _ = workflow_create(name="Apology", graph=draft, user=publisher)

    # When the publisher sets the wait to 3 hours and tries to publish
    seen = scenario_run(browser_ready, live_server, tmp_path,
                        script="plain_words_scenario.cjs",
                        extra={"WORKFLOW_ID": str(workflow.pk), "WAIT_NODE": "w1",
                               "SMS_NODE": "a1"},
                        publisher=publisher.username)

    # Then the duration read "2 days", the refusal and the problem are in words, the block
    # named by its title and the field by its label, and no developer text was on the page
    assert "unsaved changes" not in seen["header_after_opening"]  # form defaults are no edit
    assert seen["duration_shown"] == ["2", "d"]
    # a wait "for a while" shows no date fields, and its modes read as words
    assert not any("Date attribute" in label or "Days from the date" in label
                   for label in seen["wait_form_labels"]), seen["wait_form_labels"]
    assert seen["wait_modes"][:2] == ["For a while", "Until a date on their profile"]
    assert "Your changes to this workflow are not saved yet." in seen["leave_dialog"]
    assert seen["url_after_stay"].endswith(f"/workflows/{workflow.pk}")
    assert seen["wait_summary"] == "Wait 3 hours"
    assert "Set up this block" in seen["sms_card"] and "Sorry SMS" in seen["sms_card"]
    assert "Set up this block" in seen["new_card"]
    assert seen["ids_on_cards"] == 0
    assert len(seen["palette_icons"]) >= 19
    assert len(set(seen["palette_icons"])) == len(seen["palette_icons"])  # one icon per type
    assert seen["refusal"].startswith("Not published: 1 problem to fix.")
    assert seen["problems"] == ["Sorry SMS · Text: Fill this in."]
    assert not DEVELOPER_TEXT.search(seen["page_text"]), DEVELOPER_TEXT.search(seen["page_text"])
    assert seen["page_errors"] == []
    saved = Workflow.objects.get(pk=workflow.pk).draft_graph
    assert {n["id"]: n["config"] for n in saved["nodes"]}["w1"]["duration"] == "3h"
