import datetime as dt

import pytest

from blocks.actions.create_task import run
from blocks.base import Continue
from tests.blocks.conftest import NOW, first_error, valid_config

TYPE = "action.create_task"
BASE = {"title": "Call {{ customer.name }}"}


@pytest.mark.parametrize(("config", "kind", "priority"), [
    pytest.param(BASE, "call_back", "normal", id="defaults"),
    pytest.param({**BASE, "kind": "review", "queue": "vip_desk", "priority": "urgent",
                  "notes": "Churn {{ customer.churn_score }}", "due_in": "4h",
                  "business_hours": False}, "review", "urgent", id="full"),
])
def test_valid_configs(config, kind, priority):
    model = valid_config(TYPE, config)
    assert (model.kind, model.priority) == (kind, priority)


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "title", "required", id="missing-title"),
    pytest.param({**BASE, "kind": "visit"}, "kind", "literal_error", id="bad-kind"),
    pytest.param({**BASE, "queue": "VIP Desk"}, "queue", "invalid_format", id="bad-queue"),
    pytest.param({**BASE, "due_in": "tomorrow"}, "due_in", "invalid_format", id="bad-due"),
    pytest.param({**BASE, "priority": "asap"}, "priority", "literal_error", id="bad-priority"),
    pytest.param({**BASE, "notes": "{% for %}"}, "notes", "template_syntax", id="bad-notes"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_run_creates_the_task_due_from_now(ctx):
    config = valid_config(TYPE, {**BASE, "notes": "Tier {{ customer.tier }}", "due_in": "4h",
                                 "priority": "high"})
    assert run(ctx, config) == Continue("out", output={"task_id": 3})
    assert ctx.effects.calls == [("create_task", {
        "kind": "call_back", "queue": "retention", "title": "Call Ada Lovelace",
        "notes": "Tier gold", "due_at": NOW + dt.timedelta(hours=4), "business_hours": True,
        "priority": "high",
    })]
