"""A non-developer's first workflow (issue 21): from the dashboard's first steps to a
published feedback → apology SMS → wait 2 days → agent task workflow, finding the way only
by what is written on screen, and reading no developer text on the way (regexes, JSON
paths, `graph.nodes`, raw JSON, internal ids). Driven in headless Chromium by
first_workflow_scenario.cjs."""

import re

import pytest

from apps.workflows.models import Workflow, WorkflowState
from tests.e2e.test_canvas import scenario_run
from tests.e2e.test_plain_words import DEVELOPER_TEXT

NODE_IDS = re.compile(r"\b[tbsexwk]1\b")


@pytest.mark.django_db(transaction=True)
def test_a_first_workflow_from_the_dashboard_reads_as_plain_words(browser_ready, live_server,
                                                                  make_user, tmp_path):
    # Given a new installation with nothing published and a publisher signed in
    publisher = make_user("publisher")

    # When they follow the dashboard's first steps to the apology workflow and publish it
    seen = scenario_run(browser_ready, live_server, tmp_path,
                        script="first_workflow_scenario.cjs", publisher=publisher.username)

    # Then the workflow runs with the wait set to 2 days, from the proven starter
    workflow = Workflow.objects.get()
    assert workflow.state == WorkflowState.PUBLISHED
    assert workflow.starter_key == "negative_feedback_apology"
    graph = workflow.published_version.graph
    nodes = {n["label"]: n for n in graph["nodes"]}
    assert nodes["Did they reply?"]["config"]["timeout"] == "2d"
    assert {"Bad feedback", "Apology SMS", "Agent follows up"} <= set(nodes)
    assert seen["wait_before"] == ["3", "d"]
    assert "give up after 2 days" in seen["card_summary"]
    # the guide led the way and steps aside once something runs
    assert "Pick a proven workflow" in seen["guide"] and "Publish it" in seen["guide"]
    assert "Bad feedback → Which channel may we use?" in seen["card"]
    assert seen["guide_after"] == 0
    # the editor's toolbar stays one line at 1280 px, Publish in view
    toolbar = seen["toolbar_1280"]
    assert toolbar["height"] < 48 and not toolbar["overflowing"] and toolbar["publishVisible"], \
        toolbar
    # and no screen on the way read like a developer's
    for screen, text in seen["screens"].items():
        assert not DEVELOPER_TEXT.search(text), (screen, DEVELOPER_TEXT.search(text))
        assert not NODE_IDS.search(text), (screen, NODE_IDS.search(text))
    assert seen["page_errors"] == []
