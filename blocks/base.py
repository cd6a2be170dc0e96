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


class ConfigFieldError(ValueError):
    """Raised by a config model's cross-field validator to blame one field.

    Pydantic reports model-level errors at the model's root; the registry reads `field`
    (dotted, relative to where the validator runs) and `code` from this error instead."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


class ConfigFieldErrors(ValueError):
    """Several ConfigFieldError at once (e.g. every faulty rule of a condition)."""

    def __init__(self, errors: list[ConfigFieldError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


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
    `timeout_port` at `timeout_at`.

    With `port_from`, the matching event picks the port itself: its property of that name
    (e.g. a call's `status`) when the value is one of `ports`, else `happened_port`. So
    one wait can leave by answered / busy / no_answer, whichever the outcome was."""

    event_type: str
    timeout_at: datetime
    condition: Mapping[str, Any] | None = None
    happened_port: str = "happened"
    timeout_port: str = "timeout"
    port_from: str = ""
    ports: tuple[str, ...] = ()

    def port_for(self, properties: Mapping[str, Any] | None) -> str:
        return event_port(properties, self.port_from, self.ports, self.happened_port)


def event_port(properties: Mapping[str, Any] | None, port_from: str,
               ports: tuple[str, ...] | list[str], default: str) -> str:
    """The port a resuming event names in its property `port_from` (one of `ports`), or
    `default`. Shared by the engine's wait rows and the dry run."""
    if not port_from:
        return default
    value = (properties or {}).get(port_from)
    return value if isinstance(value, str) and value in ports else default


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

    # The keyword arguments each core block passes (see its module docstring):
    # send_email: subject, body, format ("html"|"text"), from_name, reply_to, category
    #   ("transactional"|"marketing"), variant (the language variant used, "default" or a
    #   locale tag; kept in the message's options) -> e.g. {"message_id", "status"}
    # send_sms: body, category, variant -> e.g. {"message_id", "status"}
    # create_task: kind, queue, title, notes, due_at (aware datetime), business_hours,
    #   priority -> e.g. {"task_id"}
    # http_request: method, url, headers, json, credential_id, timeout_seconds ->
    #   {"status": int (0: no response), "json", "text", "error", "retryable"}
    # update_customer(changes): {"attributes": {name: value | None}, "tags_add": [...],
    #   "tags_remove": [...], "tier"?: str}
    # create_offer: code_pattern, kind, value (Decimal), currency, expires_at,
    #   link_target_url[, page_headline, page_text] -> at least {"code", "link", "expires_at"}
    # create_exit_survey: channel ("email"|"sms"), reason_codes (list, empty: every active
    #   reason), expires_at[, question, intro] -> at least {"survey_id", "url", "expires_at"}
    # place_call: mode ("bridge"|"message"), agent_number, text, menu (the <Gather>
    #   prompt, "" for none), category, queue (business hours) -> at least {"call_id"
    #   (None in a dry run), "status" (queued|deferred|suppressed|failed|dry_run),
    #   "reason", "scheduled_at" (ISO, when it will be placed)}
    def send_email(self, *, subject: str, body: str, **options: Any) -> Mapping[str, Any]: ...
    def send_sms(self, *, body: str, **options: Any) -> Mapping[str, Any]: ...
    def create_task(self, **task: Any) -> Mapping[str, Any]: ...
    def http_request(self, **request: Any) -> Mapping[str, Any]: ...
    def update_customer(self, changes: Mapping[str, Any]) -> Mapping[str, Any]: ...
    def create_offer(self, **offer: Any) -> Mapping[str, Any]: ...
    def create_exit_survey(self, **survey: Any) -> Mapping[str, Any]: ...
    def place_call(self, **call: Any) -> Mapping[str, Any]: ...


class RunContext(Protocol):
    """The run as a block sees it."""

    now: datetime
    customer: Any  # apps.customers.models.Customer
    event: Any | None  # the triggering apps.customers.models.Event, if any
    variables: Mapping[str, Any]  # outputs of earlier nodes, by node id
    run_id: int | None
    workflow_id: int | None  # stable across runs: flow.split hashes it with the customer
    node_id: str
    effects: Effects

    # Liquid over customer, event, run, offer, survey (apps.common.templating.template_render);
    # html=True escapes inserted values (HTML e-mail); `extra` adds variables this node
    # made itself (the exit survey's link). Raises TemplateError.
    def render(self, template: str, *, html: bool = False,
               extra: Mapping[str, Any] | None = None) -> str: ...
    def condition_matches(self, condition: Mapping[str, Any]) -> bool: ...
    def in_segment(self, segment_id: int) -> bool: ...


# --- The declaration ----------------------------------------------------------------------

PortsFn = Callable[[Any], list[str]]


@dataclass(frozen=True)
class DynamicPorts:
    """Ports named by a list in the config (split variants, branch names), plus fixed
    extras. Callable like a PortsFn, and describable in the catalog so the canvas can
    derive the ports of a node while the user edits its form."""

    list_field: str = ""  # e.g. "branches"; empty when only the rules below apply
    name_key: str = "name"  # each item's port name
    always: tuple[str, ...] = ()  # after the list, e.g. ("else",); or ("out",) alone
    # port -> numeric config field: the port exists only while that field is > 0
    when_positive: tuple[tuple[str, str], ...] = ()
    # port -> (config field, value): the port exists only while the field has that value
    when_equals: tuple[tuple[str, str, str], ...] = ()

    def __call__(self, config: Any) -> list[str]:
        items = getattr(config, self.list_field, ()) if self.list_field else ()
        names = [getattr(item, self.name_key) for item in items]
        names += list(self.always)
        names += [port for port, name in self.when_positive if getattr(config, name, 0) > 0]
        names += [
            port for port, name, value in self.when_equals if getattr(config, name, None) == value
        ]
        return names

    def describe(self) -> dict[str, Any]:
        return {
            "list_field": self.list_field,
            "name_key": self.name_key,
            "always": list(self.always),
            "when_positive": [{"port": p, "field": f} for p, f in self.when_positive],
            "when_equals": [{"port": p, "field": f, "value": v} for p, f, v in self.when_equals],
        }


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
    # Fixed ports, or computed from the config (use DynamicPorts so the catalog can tell
    # the canvas the rule).
    ports: tuple[str, ...] | PortsFn
    run: Callable[[RunContext, Any], Outcome]
    # Config fields that hold Liquid templates (checked at validation, rendered at run).
    # "headers.*" means every value of the mapping field `headers`.
    template_fields: tuple[str, ...] = ()
    # A valid config the canvas drops in for a new node; tests validate and run it.
    example: Mapping[str, Any] = field(default_factory=dict)
    group: str = ""  # palette group; empty means the category's default group
    # What the engine and validation need to know, declared here so no block type string
    # appears outside blocks/:
    # `pure`: reads only (no writes, no effects), so the engine runs it without a savepoint
    # and a raise never aborts a batch of runs.
    pure: bool = False
    # `waits`: the block can leave the graph waiting (a loop through it is not endless).
    waits: bool = False
    # `holdout_port`: leaving by this port puts the run in the control group of reports.
    holdout_port: str = ""
    # `upgrade`: turns a config of the previous version (`version - 1`) into a config of
    # this one. Pure (no clock, no database); required from version 2 on. Drafts are
    # upgraded through it on request; published workflows keep their version.
    upgrade: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None

    def output_ports(self, config: BlockConfig | None) -> list[str]:
        if callable(self.ports):
            return list(self.ports(config)) if config is not None else []
        return list(self.ports)
