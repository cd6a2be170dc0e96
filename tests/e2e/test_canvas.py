"""A composer builds a workflow on the canvas by drag and drop and saves it (and a stale
save is reported without losing the edits); a publisher publishes it. Driven in headless
Chromium by canvas_scenario.cjs (playwright-core)."""

import json
import os
import re
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from apps.config.celery import app
from apps.customers.models import Customer, Event
from apps.engine.models import Run, RunState
from apps.workflows.models import Workflow
from tests.broker import broker_purge
from tests.e2e.conftest import CHROMIUM, FRONTEND

SCENARIO = Path(__file__).with_name("canvas_scenario.cjs")


def scenario_run(node: str, live_server, tmp_path: Path, phase: str = "build",
                 extra: dict[str, str] | None = None, script: str = SCENARIO.name,
                 **users: str) -> dict:
    env = {
        **(extra or {}),
        "PHASE": phase,
        **os.environ,
        "NODE_PATH": str(FRONTEND / "node_modules"),
        "BASE_URL": live_server.url,
        "CHROMIUM": CHROMIUM,
        "ARTIFACTS": str(tmp_path),
        **{role.upper(): name for role, name in users.items()},
        **{f"PASSWORD_{name.upper()}": f"pw-{name}" for name in users.values()},
    }
    done = subprocess.run([node, str(SCENARIO.with_name(script))], env=env,
                          capture_output=True, text=True, timeout=420, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    facts = json.loads(lines[-1]) if lines else {}
    assert done.returncode == 0, (
        f"the browser scenario failed at step {facts.get('last_step')!r}:\n"
        f"{facts.get('error') or done.stderr[-3000:]}\npage errors: {facts.get('page_errors')}\n"
        f"screenshot: {tmp_path / 'failure.png'}"
    )
    return facts


def event_runs(key_client, workflow: Workflow, customer_id: str, properties: dict) -> None:
    """Post a feedback event through the API and let a real Celery worker run the workflow
    until its run has completed."""
    broker_purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        answer = key_client("events:write").post(
            "/api/v1/events", {"customer_id": customer_id, "type": "feedback.submitted",
                               "properties": properties}, format="json")
        assert answer.status_code in (200, 201, 202), answer.content
        wait_for(lambda: Run.objects.filter(workflow=workflow,
                                            state=RunState.COMPLETED).exists(), "the run")


def trigger_id_in(facts: dict, text: str) -> bool:
    return facts["nodes"][0] in text


def wait_for(check, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_composer_builds_and_saves_then_publisher_publishes(browser_ready, live_server,
                                                            make_user, key_client, tmp_path):
    # Given a composer, a publisher and one customer (SMS opt-in) to preview the SMS with
    # who gave feedback last week (so the field picker knows the event's properties)
    ada = Customer.objects.create(external_id="c-1", first_name="Ada", phone="+4915112345678",
                                  consent={"sms": {"status": "granted", "source": "test"}})
    week_ago = timezone.now() - timedelta(days=7)
    Event.objects.create(customer=ada, type="feedback.submitted", properties={"score": 8},
                         occurred_at=week_ago, received_at=week_ago, idempotency_key="fb-1")
    composer, publisher = make_user("composer"), make_user("publisher")

    # When the composer drags trigger.event, flow.filter and action.send_sms onto the
    # canvas, configures and wires them and saves, and the publisher publishes
    facts = scenario_run(browser_ready, live_server, tmp_path,
                         composer=composer.username, publisher=publisher.username)

    # Then the browser saw the SMS preview, a saved draft, no publish button for the
    # composer, a conflict that kept the edit, and the published state; and the server
    # holds exactly that graph
    assert facts["field_groups"] == ["Customer", "Event", "Event: feedback.submitted"]
    assert "1 SMS segment" in facts["sms_preview"]
    assert "Saved revision" in facts["saved_status"]
    # a composer sees Publish disabled, with the reason
    assert facts["composer_publish"][0] == "true"
    assert "Only a publisher can publish" in facts["composer_publish"][1]
    assert "Only a publisher can publish" in facts["composer_publish_status"]
    assert facts["conflict_kept_edit"] == "Bad feedback"
    assert "Saved revision 4" in facts["saved_after_conflict"]
    assert "greater than or equal to 1" in facts["settings_error"]
    assert facts["settings_error_field"] == "true"
    assert "Saved revision 5" in facts["saved_settings_status"]
    assert facts["settings_errors_left"] == 0
    # The drawer shares the editor's height with the canvas; two arrow-key steps on its
    # handle move the split by 80 px.
    assert abs(facts["dock_height_after_keys"] - (facts["dock_height"] + 80)) <= 1
    assert abs(facts["canvas_height_after_keys"] - (facts["canvas_height_open"] - 80)) <= 1
    assert facts["test_run"] == "1 of 2 failed."
    assert "path" in facts["test_diff"] and trigger_id_in(facts, facts["test_diff"])
    assert facts["test_rerun"] == "All 1 passed."
    assert facts["state"] == "published"
    assert facts["version_nodes"] == 3 and facts["version_draggable"] == 0
    assert "Sorry {{ customer.first_name }}" in facts["version_config"]
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
    assert nodes[trigger]["label"] == "Bad feedback"  # the version saved over the other tab's
    settings = version.settings
    assert settings["re_entry"] == {"policy": "once_per_period", "period_days": 7}
    assert settings["max_active_runs_per_customer"] == 2
    assert settings["goal"]["event_type"] == "purchase"
    assert settings["throttle"]["runs_per_minute"] == 30
    assert settings["costs"]["sms"] == "0.07"
    assert [c.name for c in workflow.test_cases.all()] == ["Low score gets an SMS"]
    assert workflow.test_cases.get().last_result["passed"] is True
    assert sorted((e["source"], e["source_port"], e["target"]) for e in version.graph["edges"]) \
        == sorted([(trigger, "out", filter_), (filter_, "yes", sms)])

    # When an event comes in through the API (a real Celery worker runs the workflow)
    event_runs(key_client, workflow, "c-1", {"score": 3})

    # Then the publisher finds the run in the inspector, its path lit up on the canvas,
    # and the SMS in the customer's timeline
    seen = scenario_run(browser_ready, live_server, tmp_path, phase="inspect",
                        extra={"WORKFLOW_ID": str(workflow.pk), "CUSTOMER": "c-1"},
                        publisher=publisher.username)
    run = Run.objects.get(workflow=workflow)
    assert f"Run {run.pk}: c-1" in seen["run_label"]
    # the steps read as a story: local time, block title, what happened, ids behind a toggle
    story = [re.sub(r"^\d{2}:\d{2}( [AP]M)?\s*", "", line).replace("\n", " ")
             for line in seen["run_steps"]]
    assert story[:2] == ["Bad feedback started the run Details",
                         "Filter done, on to “yes” Details"], story
    assert story[2] in ("Send SMS sent Details", "Send SMS waiting to go out Details"), story
    assert not any(node in line for line in story for node in (trigger, filter_, sms))
    assert set(seen["highlighted"]) == {trigger, filter_, sms}
    assert "sms " in seen["timeline"].lower()
    assert seen["page_errors"] == []
