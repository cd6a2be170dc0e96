"""Saved workflow test cases: given a customer and an event, expect a path, effects and
an outcome. They run from the API, from `manage.py test_workflows` and before publish.

    given:  {"customer": {profile fields} | "<external id of a real customer>",
             "event": {"type": "feedback.submitted", "properties": {"score": 3}},
             "trigger": "t1",              # optional: start here (default: the first
                                           # trigger.event matching the event; with no
                                           # event, the first trigger of another kind)
             "now": "2026-03-01T09:00:00Z", # optional: the clock at the start
             "later_events": [{"type": "sms.replied",    # what the customer does later:
                               "at": "2026-03-02T10:00:00Z"}],  # at that time, or
                                           # without `at` as soon as a wait awaits it
             "segments": [3]}              # optional: segment ids the customer is in
    expect: {"path": ["t1", "f1", "a1"],   # node ids in visit order
             "effects": [{"type": "send_sms", "body__contains": "Sorry"}],
             "outcome": "completed"}       # completed | exited | failed | not_triggered

A case runs through a *runner*: `runner(graph, given, workflow) -> WalkResult`. The default
is `dryrun.graph_walk`: the engine's own interpreter (apps/engine/walk.py) with effects
recorded instead of performed and a simulated clock, so a case sees what a live run does
(parallel branches in the worker's order, retries, limits, waits and events in time).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, model_validator

from apps.workflows.dryrun import EFFECT_TYPES, WalkResult, graph_walk
from apps.workflows.errors import InputInvalid
from apps.workflows.library import graph_resolve, library_for
from apps.workflows.models import Workflow, WorkflowTestCase
from apps.workflows.schemas import errors_from_pydantic

Runner = Callable[[Mapping[str, Any], Mapping[str, Any], Workflow], WalkResult]
EventType = Annotated[StrictStr, Field(min_length=1, max_length=100,
                                       pattern=r"^[A-Za-z0-9_.:\-]+$")]
MATCH_CONTAINS = "__contains"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GivenCustomer(_Strict):
    external_id: StrictStr = Field(default="test-customer", min_length=1, max_length=255)
    email: StrictStr = Field(default="", max_length=254)
    phone: StrictStr = Field(default="", max_length=20)
    first_name: StrictStr = Field(default="", max_length=100)
    last_name: StrictStr = Field(default="", max_length=100)
    timezone: StrictStr = Field(default="UTC", max_length=64)
    locale: StrictStr = Field(default="", max_length=16)
    attributes: dict[str, Any] = Field(default_factory=dict)
    tags: list[StrictStr] = Field(default_factory=list, max_length=100)
    consent: dict[str, Any] = Field(default_factory=dict)
    churn_score: float | None = Field(default=None, ge=0, le=1)
    clv: float | None = Field(default=None, ge=0)
    tier: StrictStr = Field(default="", max_length=32)
    p_alive: float | None = Field(default=None, ge=0, le=1)
    expected_purchases_90d: float | None = Field(default=None, ge=0)
    churn_reason: StrictStr = Field(default="", max_length=200)
    last_seen_at: datetime | None = None

    @model_validator(mode="after")
    def _time_zone_known(self) -> GivenCustomer:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        return self


class GivenEvent(_Strict):
    type: EventType
    properties: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime | None = None


class LaterEvent(_Strict):
    type: EventType
    properties: dict[str, Any] = Field(default_factory=dict)
    # When it happens; without it, as soon as a wait of the run awaits it.
    at: datetime | None = None


class Given(_Strict):
    # A profile (GivenCustomer) or a real customer's external id; checked by _customer_check
    # so that errors name `given.customer.<field>` without pydantic's union branch names.
    customer: Any = None
    event: GivenEvent | None = None
    trigger: StrictStr | None = Field(default=None, max_length=64)
    now: datetime | None = None
    later_events: list[LaterEvent] = Field(default_factory=list, max_length=50)
    segments: list[Annotated[int, Field(ge=1)]] | None = Field(default=None, max_length=100)


class Expect(_Strict):
    path: list[Annotated[StrictStr, Field(max_length=64)]] | None = Field(default=None,
                                                                          max_length=1000)
    effects: list[dict[str, Any]] | None = Field(default=None, max_length=100)
    outcome: Literal["completed", "exited", "failed", "not_triggered"] | None = None

    @model_validator(mode="after")
    def _something_expected(self) -> Expect:
        if self.path is None and self.effects is None and self.outcome is None:
            raise ValueError("expect at least one of path, effects or outcome")
        for index, effect in enumerate(self.effects or []):
            kind = effect.get("type")
            if kind not in EFFECT_TYPES:
                raise ValueError(f"effects.{index}.type must be one of "
                                 f"{', '.join(sorted(EFFECT_TYPES))}")
        return self


def _customer_check(value: Any) -> tuple[Any, list[dict[str, str]]]:
    if isinstance(value, str):
        if not 1 <= len(value) <= 255:
            return None, [{"field": "given.customer", "code": "string_length",
                           "message": "an external id has 1 to 255 characters"}]
        return value, []
    if isinstance(value, dict):
        try:
            profile = GivenCustomer.model_validate(value)
        except ValidationError as exc:
            return None, errors_from_pydantic(exc, "given.customer")
        return profile.model_dump(mode="json", exclude_unset=True), []
    return None, [{"field": "given.customer", "code": "type_error",
                   "message": "a customer profile (object) or a customer's external id"}]


def test_case_input_check(given: Any, expect: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Normalised given/expect, or InputInvalid naming `given.event.type` and the like."""
    errors: list[dict[str, str]] = []
    given_out = expect_out = None
    customer = None
    if isinstance(given, dict) and given.get("customer") is not None:
        customer, errors = _customer_check(given["customer"])
    for name, model, value in (("given", Given, given), ("expect", Expect, expect)):
        if not isinstance(value, dict):
            errors.append({"field": name, "code": "type_error", "message": "expected an object"})
            continue
        try:
            parsed = model.model_validate(value)
        except ValidationError as exc:
            errors += errors_from_pydantic(exc, name)
            continue
        dumped = parsed.model_dump(mode="json", exclude_none=True,
                                   exclude_unset=(name == "given"))
        if name == "given":
            given_out = {**dumped, **({"customer": customer} if customer is not None else {})}
        else:
            expect_out = dumped
    if errors:
        raise InputInvalid("Invalid input.", errors)
    return given_out, expect_out  # type: ignore[return-value]


# --- matching ---------------------------------------------------------------------------


def effect_matches(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> bool:
    """Every expected key equals the actual value; `key__contains` checks a substring."""
    for key, value in expected.items():
        if key.endswith(MATCH_CONTAINS):
            field = key[: -len(MATCH_CONTAINS)]
            if not isinstance(actual.get(field), str) or str(value) not in actual[field]:
                return False
        elif actual.get(key) != value:
            return False
    return True


def case_diff(expect: Mapping[str, Any], result: WalkResult) -> list[dict[str, Any]]:
    """What differs between expectation and the walk; empty means the case passes."""
    diff: list[dict[str, Any]] = []
    if result.error and result.outcome != "failed":
        diff.append({"what": "error", "expected": None, "actual": result.error,
                     "message": result.error})
    if "path" in expect and list(expect["path"]) != result.path:
        diff.append({"what": "path", "expected": expect["path"], "actual": result.path,
                     "message": f"path was {' → '.join(result.path) or '(empty)'}, expected "
                                f"{' → '.join(expect['path']) or '(empty)'}"})
    if "effects" in expect:
        problems = _effects_problems(expect["effects"], result.effects)
        if problems:
            diff.append({"what": "effects", "expected": expect["effects"],
                         "actual": result.effects, "message": "; ".join(problems)})
    if "outcome" in expect and expect["outcome"] != result.outcome:
        message = f"outcome was {result.outcome}, expected {expect['outcome']}"
        if result.error:
            message += f" ({result.error})"
        diff.append({"what": "outcome", "expected": expect["outcome"], "actual": result.outcome,
                     "message": message})
    return diff


def _effects_problems(expected: Sequence[Mapping[str, Any]],
                      actual: Sequence[Mapping[str, Any]]) -> list[str]:
    """Expected effects match actual ones one to one, in order; none may be extra."""
    problems = []
    for index, want in enumerate(expected):
        if index >= len(actual):
            problems.append(f"missing effect {index}: {dict(want)}")
        elif not effect_matches(want, actual[index]):
            problems.append(f"effect {index} was {actual[index].get('type')} "
                            f"{_short(actual[index])}, expected {dict(want)}")
    if len(actual) > len(expected):
        extra = ", ".join(str(e.get("type")) for e in actual[len(expected):])
        problems.append(f"{len(actual) - len(expected)} unexpected effect(s): {extra}")
    return problems


def _short(effect: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in effect.items() if k not in {"type"}}
    text = str(shown)
    return text if len(text) <= 300 else text[:297] + "..."


# --- running ------------------------------------------------------------------------------


def test_case_run(case: WorkflowTestCase, graph: Mapping[str, Any], *,
                  runner: Runner | None = None) -> dict[str, Any]:
    result = (runner or graph_walk)(graph, case.given, case.workflow)
    diff = case_diff(case.expect, result)
    return {"id": case.pk, "name": case.name, "passed": not diff, "diff": diff,
            "actual": result.as_dict()}


def test_cases_run(workflow: Workflow, *, graph: Mapping[str, Any] | None = None,
                   runner: Runner | None = None, record: bool = False) -> list[dict[str, Any]]:
    """Run every saved case of the workflow against `graph` (default: the draft).
    `record` stores each result on its case (last_result, last_run_at)."""
    graph = workflow.draft_graph if graph is None else graph
    graph = graph_resolve(graph, library_for(graph))  # block templates: effective configs
    results = []
    now = timezone.now()
    for case in workflow.test_cases.order_by("id"):
        case.workflow = workflow
        result = test_case_run(case, graph, runner=runner)
        results.append(result)
        if record:
            case.last_result, case.last_run_at = result, now
            case.save(update_fields=["last_result", "last_run_at", "updated_at"])
    return results


# These are services, not pytest tests (their names say the entity, then the action).
test_case_input_check.__test__ = False  # type: ignore[attr-defined]
test_case_run.__test__ = False  # type: ignore[attr-defined]
test_cases_run.__test__ = False  # type: ignore[attr-defined]
