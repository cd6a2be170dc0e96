"""A composer builds a workflow on the canvas by drag and drop and saves it; a publisher
publishes it. Driven in headless Chromium by canvas_scenario.cjs (playwright-core)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from apps.workflows.models import Workflow
from tests.e2e.conftest import CHROMIUM, FRONTEND

SCENARIO = Path(__file__).with_name("canvas_scenario.cjs")


def scenario_run(node: str, live_server, tmp_path: Path, **users: str) -> dict:
    env = {
        **os.environ,
        "NODE_PATH": str(FRONTEND / "node_modules"),
        "BASE_URL": live_server.url,
        "CHROMIUM": CHROMIUM,
        "ARTIFACTS": str(tmp_path),
        **{role.upper(): name for role, name in users.items()},
        **{f"PASSWORD_{name.upper()}": f"pw-{name}" for name in users.values()},
    }
    done = subprocess.run([node, str(SCENARIO)], env=env, capture_output=True, text=True,
                          timeout=240, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    facts = json.loads(lines[-1]) if lines else {}
    assert done.returncode == 0, (
        f"the browser scenario failed at step {facts.get('last_step')!r}:\n"
        f"{facts.get('error') or done.stderr[-3000:]}\npage errors: {facts.get('page_errors')}\n"
        f"screenshot: {tmp_path / 'failure.png'}"
    )
    return facts


@pytest.mark.django_db(transaction=True)
def test_composer_builds_and_saves_then_publisher_publishes(browser_ready, live_server,
                                                            make_user, tmp_path):
    # Given a composer, a publisher and one customer to preview the SMS with
    from apps.customers.models import Customer

    Customer.objects.create(external_id="c-1", first_name="Ada", phone="+4915112345678")
    composer, publisher = make_user("composer"), make_user("publisher")

    # When the composer drags trigger.event, flow.filter and action.send_sms onto the
    # canvas, configures and wires them and saves, and the publisher publishes
    facts = scenario_run(browser_ready, live_server, tmp_path,
                         composer=composer.username, publisher=publisher.username)

    # Then the browser saw the SMS preview, a saved draft, no publish button for the
    # composer, and the published state; and the server holds exactly that graph
    assert "1 SMS segment" in facts["sms_preview"]
    assert "Saved revision" in facts["saved_status"]
    assert facts["composer_can_publish"] == 0
    assert facts["state"] == "published"
    assert facts["page_errors"] == []
    workflow = Workflow.objects.get(pk=facts["workflow_id"])
    assert workflow.state == "published"
    version = workflow.versions.get(number=1)
    trigger, filter_, sms = facts["nodes"]
    nodes = {n["id"]: n for n in version.graph["nodes"]}
    assert {n["type"] for n in nodes.values()} == {"trigger.event", "flow.filter",
                                                   "action.send_sms"}
    assert nodes[trigger]["config"]["event_type"] == "feedback.submitted"
    assert nodes[filter_]["config"]["condition"] == {
        "all": [{"field": "event.properties.score", "op": "lte", "value": 6}]}
    assert nodes[sms]["config"]["body"].startswith("Sorry {{ customer.first_name }}")
    assert sorted((e["source"], e["source_port"], e["target"]) for e in version.graph["edges"]) \
        == sorted([(trigger, "out", filter_), (filter_, "yes", sms)])
