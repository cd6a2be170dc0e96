"""An in-memory RunContext for the blocks' unit tests.

Blocks decide; the engine does. So these tests drive `run` with a plain fake context:
a fixed `now`, a customer as plain attributes, the real Liquid renderer, a table of
which conditions hold, and effects that record each call and answer with canned data.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from apps.common.templating import TemplateError, template_context_for, template_render
from blocks.base import RenderError
from blocks.registry import block_config_validate

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)  # a Tuesday


@dataclass
class FakeCustomer:
    id: int = 42
    external_id: str = "C-42"
    email: str = "ada@example.com"
    phone: str = "+4915112345678"
    first_name: str = "Ada"
    last_name: str = "Lovelace"
    timezone: str = "Europe/Berlin"
    locale: str = "de"
    attributes: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    churn_score: float | None = 0.8
    clv: float | None = 1200.0
    tier: str = "gold"
    created_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None


@dataclass
class FakeEvent:
    id: int = 7
    type: str = "feedback.submitted"
    properties: dict[str, Any] = field(default_factory=dict)
    occurred_at: dt.datetime = NOW


@dataclass
class FakeEffects:
    """Records every call; answers with `responses[name]` or a default."""

    responses: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def _call(self, name: str, arguments: dict[str, Any],
              default: Mapping[str, Any]) -> Mapping[str, Any]:
        self.calls.append((name, arguments))
        return self.responses.get(name, default)

    def send_email(self, *, subject: str, body: str, **options: Any) -> Mapping[str, Any]:
        return self._call("send_email", {"subject": subject, "body": body, **options},
                          {"message_id": "m-1", "status": "queued"})

    def send_sms(self, *, body: str, **options: Any) -> Mapping[str, Any]:
        return self._call("send_sms", {"body": body, **options},
                          {"message_id": "s-1", "status": "queued"})

    def create_task(self, **task: Any) -> Mapping[str, Any]:
        return self._call("create_task", task, {"task_id": 3})

    def http_request(self, **request: Any) -> Mapping[str, Any]:
        return self._call("http_request", request,
                          {"status": 200, "json": {"ok": True}, "text": '{"ok": true}',
                           "error": None, "retryable": False})

    def update_customer(self, changes: Mapping[str, Any]) -> Mapping[str, Any]:
        return self._call("update_customer", dict(changes), {"updated": True})

    def create_offer(self, **offer: Any) -> Mapping[str, Any]:
        return self._call("create_offer", offer,
                          {"code": "SAVE-AB12CD", "link": "https://kf.example/o/abc",
                           "expires_at": "2026-03-24T12:00:00+00:00"})

    def create_exit_survey(self, **survey: Any) -> Mapping[str, Any]:
        return self._call("create_exit_survey", survey,
                          {"survey_id": 9, "url": "https://kf.example/s/abc",
                           "expires_at": "2026-04-09T12:00:00+00:00"})

    def place_call(self, **call: Any) -> Mapping[str, Any]:
        return self._call("place_call", call,
                          {"call_id": 11, "status": "queued", "reason": None,
                           "scheduled_at": "2026-03-10T12:00:00+00:00"})


@dataclass
class FakeContext:
    now: dt.datetime = NOW
    customer: Any = field(default_factory=FakeCustomer)
    event: Any = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    run_id: int | None = 1
    workflow_id: int | None = 5
    node_id: str = "n1"
    effects: FakeEffects = field(default_factory=FakeEffects)
    true_conditions: list[Mapping[str, Any]] = field(default_factory=list)
    segments: set[int] = field(default_factory=set)
    offer: Mapping[str, Any] | None = None

    def render(self, template: str, *, html: bool = False,
               extra: Mapping[str, Any] | None = None) -> str:
        context = template_context_for(self.customer, self.event, run={"id": self.run_id},
                                       offer=self.offer)
        context.update(extra or {})
        try:
            return template_render(template, context, html=html)
        except TemplateError as err:  # as the engine's context does
            raise RenderError(err.message, code=err.code, line=err.line) from err

    def condition_matches(self, condition: Mapping[str, Any]) -> bool:
        wanted = json.dumps(condition, sort_keys=True)
        return any(json.dumps(c, sort_keys=True) == wanted for c in self.true_conditions)

    def in_segment(self, segment_id: int) -> bool:
        return segment_id in self.segments


@pytest.fixture
def ctx() -> FakeContext:
    return FakeContext()


@pytest.fixture
def make_ctx() -> Callable[..., FakeContext]:
    return FakeContext


def valid_config(block_type: str, config: Mapping[str, Any], version: int | None = None
                 ) -> Any:
    """The validated config model (of the latest version when None); fails the test with
    the errors if it is invalid."""
    model, errors = block_config_validate(block_type, config, version)
    assert errors == [], errors
    return model


def first_error(block_type: str, config: Any, version: int | None = None) -> tuple[str, str]:
    """(field, code) of the first validation error."""
    model, errors = block_config_validate(block_type, config, version)
    assert model is None and errors, f"expected errors for {config!r}"
    return errors[0]["field"], errors[0]["code"]


from tests.blocks.vendor_fake import vendor  # noqa: E402, F401  (the connectors' fake API)
