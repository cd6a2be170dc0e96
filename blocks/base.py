"""The block contract: what every block module declares, and what its `run` returns.

A block is configuration plus one decision: given the run's context, where does the
customer go next (a port), or do they wait, exit or fail. Blocks never touch Celery,
HTTP frameworks or providers: side effects go through `ctx.effects`, which the engine
implements on top of the apps' services (and which a dry run records instead of doing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict


class Category(StrEnum):
    TRIGGER = "trigger"
    FLOW = "flow"
    ACTION = "action"


class BlockConfig(BaseModel):
    """Base of every block's config model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Outcomes: what `run` returns -------------------------------------------------------


@dataclass(frozen=True)
class Continue:
    """Go on through this output port (its targets run, in parallel if several)."""

    port: str = "out"
    output: Mapping[str, Any] = field(default_factory=dict)  # visible to later nodes


@dataclass(frozen=True)
class WaitUntil:
    """Sleep durably until `at`, then continue on `port`."""

    at: datetime
    port: str = "out"


@dataclass(frozen=True)
class WaitForEvent:
    """Resume on `happened_port` when the customer has a matching event, else on
    `timeout_port` at `timeout_at`."""

    event_type: str
    timeout_at: datetime
    condition: Mapping[str, Any] | None = None
    happened_port: str = "happened"
    timeout_port: str = "timeout"


@dataclass(frozen=True)
class Exit:
    """End this customer's run here (e.g. a goal reached, flow.exit)."""

    reason: str = "exit"


@dataclass(frozen=True)
class Fail:
    """The block could not do its job. Retryable failures are retried with backoff."""

    error: str
    retryable: bool = False


Outcome = Continue | WaitUntil | WaitForEvent | Exit | Fail


# --- What a block sees --------------------------------------------------------------------


class Effects(Protocol):
    """Side effects, implemented by the engine over the apps' services. Each call is keyed
    by (run, node, visit) there, so a replayed step never repeats an effect."""

    def send_email(self, *, subject: str, body: str, **options: Any) -> Mapping[str, Any]: ...
    def send_sms(self, *, body: str, **options: Any) -> Mapping[str, Any]: ...
    def create_task(self, **task: Any) -> Mapping[str, Any]: ...
    def http_request(self, **request: Any) -> Mapping[str, Any]: ...
    def update_customer(self, changes: Mapping[str, Any]) -> Mapping[str, Any]: ...
    def create_offer(self, **offer: Any) -> Mapping[str, Any]: ...


class RunContext(Protocol):
    """The run as a block sees it."""

    now: datetime
    customer: Any  # apps.customers.models.Customer
    event: Any | None  # the triggering apps.customers.models.Event, if any
    variables: Mapping[str, Any]  # outputs of earlier nodes, by node id
    run_id: int | None
    node_id: str
    effects: Effects

    def render(self, template: str) -> str: ...  # Liquid over customer, event, run, offer
    def condition_matches(self, condition: Mapping[str, Any]) -> bool: ...
    def in_segment(self, segment_id: int) -> bool: ...


# --- The declaration ----------------------------------------------------------------------

PortsFn = Callable[[Any], list[str]]


@dataclass(frozen=True)
class BlockSpec:
    """Everything the catalog, the validator and the engine know about one block type."""

    type: str  # e.g. "action.send_sms"
    version: int
    category: Category
    label: str
    description: str
    icon: str  # an icon name the canvas maps to a glyph
    config_model: type[BlockConfig]
    ports: tuple[str, ...] | PortsFn  # fixed ports, or computed from the config
    run: Callable[[RunContext, Any], Outcome]
    # Config fields that hold Liquid templates (checked at validation, rendered at run).
    template_fields: tuple[str, ...] = ()

    def output_ports(self, config: BlockConfig | None) -> list[str]:
        if callable(self.ports):
            return list(self.ports(config)) if config is not None else []
        return list(self.ports)
