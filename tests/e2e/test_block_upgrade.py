"""A composer upgrades a block on an older version from the canvas (docs/workflows.md,
"Block versions"): a draft with `action.offer` at version 1 shows the upgrade on the card,
in the overview (as soon as it opens) and in the block's panel, all in words and with what
version 2 brings; Upgrade turns `expires_in_days`
into `valid_for` on the server's draft and in the form, and the version published on v1
keeps v1. Driven in headless Chromium by block_upgrade_scenario.cjs."""

import pytest

from apps.workflows.models import Workflow
from apps.workflows.services import workflow_create, workflow_publish
from tests.e2e.test_canvas import scenario_run
from tests.e2e.test_plain_words import DEVELOPER_TEXT
from tests.workflows.graphs import LOW_SCORE, edge, graph, node, sms, trigger

OFFER_V1 = {"value": 10, "expires_in_days": 3,
            "link_target_url": "https://shop.example.com/back"}


@pytest.mark.django_db(transaction=True)
def test_a_composer_upgrades_an_old_block_on_the_canvas(browser_ready, live_server,
                                                        make_user, tmp_path):
    # Given a workflow published with a v1 offer (valid 3 days), its draft still on v1
    publisher, composer = make_user("publisher"), make_user("composer")
    v1 = graph(trigger(condition=LOW_SCORE),
               node("of", "action.offer", OFFER_V1, version=1, label="Win-back offer"),
               sms("a1", body="Your code: {{ offer.code }}"),
               edges=[edge("t1", "of"), edge("of", "a1")])
    workflow, _ = workflow_create(name="Win-back", graph=v1, user=publisher)
    workflow_publish(workflow.pk, user=publisher, note="On offer v1")

    # When the composer opens it, then validates it (More → Validate) and clicks Upgrade in
    # the offer's panel
    seen = scenario_run(browser_ready, live_server, tmp_path,
                        script="block_upgrade_scenario.cjs",
                        extra={"WORKFLOW_ID": str(workflow.pk), "OFFER_NODE": "of"},
                        composer=composer.username)

    # Then before: the card, the overview (right on opening) and the panel said so in
    # words, with what is new in version 2
    assert seen["overview_on_open"] == 1  # no save or Validate needed
    assert seen["card_marker"] == \
        "A newer version (2) of this block is available: select it to upgrade."
    assert seen["overview_notice"].startswith(
        "Newer versions of some blocks are available. Upgrading keeps their settings; the "
        "published workflow runs the old versions until you publish.")
    assert seen["overview_news"] == [
        "Create offer: Validity is now a duration: hours too, e.g. 48h for a flash offer."]
    assert seen["overview_buttons"] == ["Upgrade 1 block"]
    assert seen["overview_boxes_validated"] == 1
    assert seen["panel_notice"].startswith(
        "A newer version of this block is available (this step uses version 1, the newest "
        "is 2). Upgrading carries its settings over; the published workflow keeps the old "
        "version until you publish.")
    assert "What's new: Validity is now a duration: hours too, e.g. 48h for a flash offer." \
        in seen["panel_notice"], seen["panel_notice"]
    assert seen["overview_warnings"] == [
        "Show the block A newer version of \"Win-back offer\" is available (this step uses "
        "version 1, the newest is 2). Upgrade it to get the changes: its settings are carried "
        "over. Upgrade"]
    assert "Valid for (days)" in seen["form_labels_before"], seen["form_labels_before"]
    for text in [seen["card_marker"], seen["overview_notice"], seen["panel_notice"],
                 *seen["overview_news"], *seen["overview_warnings"]]:
        assert "action.offer" not in text and "expires_in_days" not in text, text
        assert "block_upgrade_available" not in text, text
    assert not DEVELOPER_TEXT.search(seen["page_text_before"]), \
        DEVELOPER_TEXT.search(seen["page_text_before"])

    # and after: the notice and marker are gone, the form shows "Valid for" 3 days
    assert seen["status"] == "Upgraded 1 block to its newest version; saved revision 2."
    assert seen["markers_after"] == 0 and seen["overview_left"] == 0
    assert "newer version" not in seen["overview_text_after"], seen["overview_text_after"]
    assert seen["valid_for_shown"] == ["3", "d"]
    assert "Valid for" in seen["form_labels_after"]
    assert "Valid for (days)" not in seen["form_labels_after"], seen["form_labels_after"]
    assert "unsaved changes" not in seen["header_after"]
    assert not DEVELOPER_TEXT.search(seen["page_text_after"]), \
        DEVELOPER_TEXT.search(seen["page_text_after"])
    assert seen["page_errors"] == []

    # and the server's draft has v2 with the same duration; the published version keeps v1
    workflow = Workflow.objects.get(pk=workflow.pk)
    offer = {n["id"]: n for n in workflow.draft_graph["nodes"]}["of"]
    assert offer["version"] == 2
    assert offer["config"]["valid_for"] == "3d" and "expires_in_days" not in offer["config"]
    published = {n["id"]: n for n in workflow.published_version.graph["nodes"]}["of"]
    assert published["version"] == 1 and published["config"] == OFFER_V1
