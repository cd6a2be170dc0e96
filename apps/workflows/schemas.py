"""Shapes of what a workflow stores: the graph's structure and the workflow settings.

Structure is checked on every save (a graph that is not even the right JSON shape is a
400); what the nodes mean is checked by validation.py (lenient on save, strict on
publish). Both answer errors as [{field, code, message}] with dotted paths.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.conf import settings as django_settings
from django.utils.translation import gettext_noop
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from blocks.registry import node_version

# Size limits: the canvas stays usable and a run's graph fits comfortably in memory.
MAX_NODES = 500
MAX_EDGES = 2_000
MAX_CONFIG_BYTES = 16_384
MAX_GRAPH_BYTES = 1_048_576

NodeId = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


def errors_from_pydantic(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """pydantic's errors as the API's [{field, code, message}], fields dotted and prefixed."""
    out = []
    for error in exc.errors(include_url=False):
        parts = [str(p) for p in error["loc"]]
        field = ".".join(p for p in [prefix, *parts] if p)
        out.append({"field": field or "body", "code": error["type"], "message": error["msg"]})
    return out


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- graph structure ----------------------------------------------------------------------


class Position(_Strict):
    x: float
    y: float


class TemplateRef(_Strict):
    """A node built from a reusable block template pins one published version of it."""

    id: StrictInt = Field(ge=1)
    version: StrictInt = Field(ge=1)


class NodeShape(_Strict):
    id: NodeId
    type: StrictStr = Field(min_length=1, max_length=100)
    config: dict[str, Any] = Field(default_factory=dict)
    position: Position | None = None
    label: StrictStr | None = Field(default=None, max_length=200)
    template: TemplateRef | None = None
    # The block version the node uses; saved drafts always name it (absent: version 1,
    # see blocks.registry.node_version).
    version: StrictInt | None = Field(default=None, ge=1, le=1000)


class EdgeShape(_Strict):
    id: StrictStr | None = Field(default=None, max_length=200)
    source: NodeId
    source_port: StrictStr = Field(default="out", min_length=1, max_length=64)
    target: NodeId


class GraphShape(_Strict):
    schema_version: StrictInt
    nodes: list[NodeShape] = Field(max_length=MAX_NODES)
    edges: list[EdgeShape] = Field(default_factory=list, max_length=MAX_EDGES)


def graph_structure_check(graph: Any) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    """Check the JSON shape and the size limits; return the normalised graph or errors
    with fields like `graph.nodes.3.id`. Unknown types, configs and ports are not checked
    here (see validation.py)."""
    if not isinstance(graph, dict):
        return None, [{"field": "graph", "code": "type_error",
                       "message": "expected a JSON object {schema_version, nodes, edges}"}]
    try:
        shape = GraphShape.model_validate(graph)
    except ValidationError as exc:
        return None, [_size_message(e) for e in errors_from_pydantic(exc, "graph")]
    normalised = shape.model_dump(mode="json", exclude_none=True)
    errors = []
    for index, node in enumerate(normalised["nodes"]):
        node["version"] = node_version(node)
        size = len(json.dumps(node["config"], separators=(",", ":")))
        if size > MAX_CONFIG_BYTES:
            errors.append({"field": f"graph.nodes.{index}.config", "code": "too_large",
                           "message": f"config is {size} bytes; the limit is {MAX_CONFIG_BYTES}"})
    total = len(json.dumps(normalised, separators=(",", ":")))
    if total > MAX_GRAPH_BYTES:
        errors.append({"field": "graph", "code": "too_large",
                       "message": f"graph is {total} bytes; the limit is {MAX_GRAPH_BYTES}"})
    return (None, errors) if errors else (normalised, [])


def _size_message(error: dict[str, str]) -> dict[str, str]:
    """Name the limit when a list is too long (pydantic says only 'too_long')."""
    limits = {"graph.nodes": ("too_many_nodes", MAX_NODES, "nodes"),
              "graph.edges": ("too_many_edges", MAX_EDGES, "edges")}
    if error["code"] == "too_long" and error["field"] in limits:
        code, limit, what = limits[error["field"]]
        return {**error, "code": code, "message": f"at most {limit} {what} per workflow"}
    return error


# --- settings -----------------------------------------------------------------------------

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class ReEntry(_Strict):
    """How often one customer may enter the workflow."""

    policy: Literal["once", "once_per_period", "always"] = Field(
        default="once", title=gettext_noop("A customer may enter"))
    period_days: StrictInt | None = Field(default=None, ge=1, le=3650,
                                          title=gettext_noop("Once per period of (days)"))

    @model_validator(mode="after")
    def _period_needed(self) -> ReEntry:
        if self.policy == "once_per_period" and self.period_days is None:
            raise ValueError("period_days is required when policy is once_per_period")
        return self


PropertyKey = Annotated[StrictStr, Field(min_length=1, max_length=64,
                                         pattern=r"^[A-Za-z0-9_\-]+$")]


class Goal(_Strict):
    """The event that means success: it ends the customer's active runs (e.g. purchased),
    and the report counts a customer as converted when one occurs within `within_days`
    of entering (treatment and control alike), worth `value_property` of the event."""

    event_type: StrictStr = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$",
                                  title=gettext_noop("Goal event type"))
    condition: dict[str, Any] | None = Field(default=None,
                                             title=gettext_noop("Goal counts only when"))
    value_property: PropertyKey | None = Field(
        default=None, title=gettext_noop("Value of a conversion: the event's property"))
    within_days: StrictInt | None = Field(default=None, ge=1, le=3650,
                                          title=gettext_noop("Goal counts within (days)"))

    @model_validator(mode="before")
    @classmethod
    def _old_window_name(cls, data: Any) -> Any:
        """Settings saved before issue 20 named the window `window_days`."""
        if isinstance(data, dict) and "window_days" in data:
            data = dict(data)
            old = data.pop("window_days")
            data.setdefault("within_days", old)
        return data


class Costs(_Strict):
    """What each action costs and what a retained customer is worth: the report's ROI
    and break-even save rate (docs/reports.md#return-on-investment). Redeemed offers cost
    their discount, read from the offers themselves."""

    currency: StrictStr = Field(default_factory=lambda: django_settings.KEEPFLOW_CURRENCY,
                                pattern=r"^[A-Z]{3}$", title=gettext_noop("Currency"))
    email: Money = Field(default=Decimal("0"), title=gettext_noop("Cost per e-mail"))
    sms: Money = Field(default=Decimal("0"), title=gettext_noop("Cost per SMS segment"))
    call_task: Money = Field(default=Decimal("0"),
                             title=gettext_noop("Cost per agent task (fixed)"))
    agent_minute: Money = Field(default=Decimal("0"), title=gettext_noop("Cost per agent minute"))
    task_minutes: Decimal = Field(default=Decimal("0"), ge=0, le=1440, max_digits=6,
                                  decimal_places=1,
                                  title=gettext_noop("Expected minutes per agent task"))
    free_shipping: Money = Field(default=Decimal("0"),
                                 title=gettext_noop("Cost of a redeemed free-shipping offer"))
    retained_customer_value: Money = Field(default=Decimal("0"),
                                           title=gettext_noop("Value of a retained customer"))
    use_clv: StrictBool = Field(
        default=True, title=gettext_noop("Use the customer's lifetime value when known"))


class Throttle(_Strict):
    runs_per_minute: StrictInt | None = Field(default=None, ge=1, le=1_000_000,
                                              title=gettext_noop("New runs per minute at most"))
    max_concurrent_runs: StrictInt | None = Field(default=None, ge=1, le=10_000_000,
                                                  title=gettext_noop("Runs active at once at most"))


class WorkflowSettings(_Strict):
    re_entry: ReEntry = Field(default_factory=ReEntry)
    max_active_runs_per_customer: StrictInt = Field(
        default=1, ge=1, le=100, title=gettext_noop("Active runs per customer at most"))
    # The workflow's control group: this share of the customers who enter get nothing
    # (apps/engine/holdout.py), so the report can measure the effect against them.
    control_percent: StrictInt = Field(default=0, ge=0, le=50,
                                       title=gettext_noop("Control group (% held out)"))
    goal: Goal | None = Field(default=None, title=gettext_noop("Goal"))
    costs: Costs = Field(default_factory=Costs)
    throttle: Throttle = Field(default_factory=Throttle)


def settings_check(settings: Any) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    """Validate settings (missing keys take defaults); errors name `settings.<field>`."""
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        return None, [{"field": "settings", "code": "type_error",
                       "message": "expected a JSON object"}]
    try:
        parsed = WorkflowSettings.model_validate(settings)
    except ValidationError as exc:
        return None, errors_from_pydantic(exc, "settings")
    return parsed.model_dump(mode="json"), []
