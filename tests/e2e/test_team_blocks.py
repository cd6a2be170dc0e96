"""Team blocks without JSON (issue 21): the preset is set in the block's own form and the
locked settings are picked by their labels; the list names the base block in words.
Driven in headless Chromium by team_blocks_scenario.cjs."""

import pytest

from apps.workflows.models import BlockTemplate
from tests.e2e.test_canvas import scenario_run
from tests.e2e.test_plain_words import DEVELOPER_TEXT


@pytest.mark.django_db(transaction=True)
def test_a_team_block_is_preset_and_locked_by_label(browser_ready, live_server, make_user,
                                                    tmp_path):
    publisher = make_user("publisher")

    seen = scenario_run(browser_ready, live_server, tmp_path, script="team_blocks_scenario.cjs",
                        publisher=publisher.username)

    template = BlockTemplate.objects.get()
    version = template.versions.get()
    assert version.preset["body"].startswith("We are sorry, {{ customer.first_name }}")
    assert version.locked_fields == ["body"]
    assert "Text" in seen["lock_labels"] and "Category" in seen["lock_labels"]
    assert "Send SMS" in seen["table"] and "action.send_sms" not in seen["table"]
    assert not DEVELOPER_TEXT.search(seen["form_text"]), seen["form_text"]
    assert seen["page_errors"] == []
