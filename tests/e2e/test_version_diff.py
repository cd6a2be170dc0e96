"""The version history reads as words (issue 21): what changed is named by block title and
field label with old → new values (a condition and a duration in words), and neither
node ids, config keys nor raw JSON appear. Driven in headless Chromium by
version_diff_scenario.cjs."""

import pytest

from apps.workflows.services import workflow_create, workflow_publish, workflow_save
from tests.e2e.test_canvas import scenario_run
from tests.e2e.test_plain_words import DEVELOPER_TEXT
from tests.workflows.graphs import LOW_SCORE, edge, graph, node, trigger, wait


@pytest.mark.django_db(transaction=True)
def test_the_changes_of_a_version_read_as_old_and_new_values(browser_ready, live_server,
                                                             make_user, tmp_path):
    # Given version 1: bad feedback -> wait 2 days -> "Sorry" SMS; and version 2 with the
    # score rule, the wait and the text changed and the re-entry setting loosened
    publisher = make_user("publisher")
    sms = {"body": "Sorry about that.", "category": "transactional"}
    first = graph(trigger("t1", condition=LOW_SCORE), wait("w1", "2d"),
                  node("a1", "action.send_sms", sms, label="Apology SMS"),
                  edges=[edge("t1", "w1"), edge("w1", "a1")])
    workflow, _ = workflow_create(name="Apology", graph=first, user=publisher)
    workflow_publish(workflow.pk, user=publisher, note="First")
    second = graph(
        trigger("t1", condition={"all": [{"field": "event.properties.score", "op": "lte",
                                          "value": 4}]}),
        wait("w1", "3d"),
        node("a1", "action.send_sms", {**sms, "body": "We are sorry, Lea."},
             label="Apology SMS"),
        edges=[edge("t1", "w1"), edge("w1", "a1")])
    workflow.refresh_from_db()
    workflow_save(workflow.pk, revision=workflow.draft_revision, user=publisher,
                  changes={"graph": second, "settings": {"re_entry": {"policy": "always"}}})
    workflow_publish(workflow.pk, user=publisher, note="Softer")

    # When the publisher opens the changes of version 2 in the history
    seen = scenario_run(browser_ready, live_server, tmp_path,
                        script="version_diff_scenario.cjs",
                        extra={"WORKFLOW_ID": str(workflow.pk)},
                        publisher=publisher.username)

    # Then each change names the block's field by its label with old → new in words
    assert seen["fields"] == [
        "Only when score ≤ 6 → score ≤ 4",
        "For 2 days → 3 days",
        "Text “Sorry about that.” → “We are sorry, Lea.”",
        "A customer may enter “once” → “every time the trigger fires”",
    ]
    assert "Event" in seen["diff"] and "Wait" in seen["diff"] and "Apology SMS" in seen["diff"]
    for internal in ("t1", "w1", "a1", "re_entry", "body", "flow.wait"):
        assert internal not in seen["diff"], internal
    assert not DEVELOPER_TEXT.search(seen["history_text"]), seen["history_text"]
    assert seen["page_errors"] == []
