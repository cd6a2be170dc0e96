"""The block contract: what every block module declares, and what its `run` returns.

A block is configuration plus one decision: given the run's context, where does the
customer go next (a port), or do they wait, exit or fail. Blocks never touch Celery,
HTTP frameworks or providers: side effects go through `ctx.effects`, which the engine
implements on top of the apps' services (and which a dry run records instead of doing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, NotRequired, Protocol, TypedDict

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


class RenderError(Exception):
    """A template that cannot be rendered: what `RunContext.render` raises, whatever the
    template engine behind it (blocks catch it through blocks.rendering.render_field)."""

    def __init__(self, message: str, *, code: str = "template_render",
                 line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.line = line
        self.column = column


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


# What effects take and give back. The engine fills the results from the apps' services
# (message_result, task_result, offer_result, ...); a dry run fills them with stand-ins
# (ids None, status "dry_run"). Keys marked NotRequired may be missing in either.

MessageCategory = Literal["transactional", "marketing"]


class MessageResult(TypedDict):
    """An e-mail or SMS handed to messaging (send_email, send_sms)."""

    message_id: int | None  # None in a dry run
    status: str  # queued | deferred | suppressed | failed | dry_run
    reason: NotRequired[str | None]  # why the guardrails suppressed or deferred it
    error: NotRequired[str]  # why it failed (e.g. too large)


class CallResult(TypedDict):
    """A call handed to messaging (place_call); action.call waits for its outcome."""

    call_id: int | None  # None in a dry run
    status: str  # queued | deferred | suppressed | failed | dry_run
    reason: NotRequired[str | None]
    error: NotRequired[str]
    scheduled_at: NotRequired[str | None]  # ISO 8601: when it will be placed


class TaskResult(TypedDict):
    task_id: int | None  # None in a dry run
    status: NotRequired[str]
    due_at: NotRequired[str]  # ISO 8601, moved into the queue's business hours


class HttpResult(TypedDict):
    status: int  # the HTTP status; 0 when no response came
    json: NotRequired[Any]  # the parsed body, or None
    text: NotRequired[str]
    error: NotRequired[str | None]
    retryable: NotRequired[bool]  # a transport error worth retrying


class ProfileChanges(TypedDict, total=False):
    """A profile write of update_customer."""

    attributes: dict[str, Any]  # name -> value; None removes the attribute
    tags_add: list[str]
    tags_remove: list[str]
    tier: str  # only when the block sets it


class ProfileResult(TypedDict):
    updated: bool
    attributes: NotRequired[list[str]]  # the names written
    tags: NotRequired[list[str]]  # the tags after the write
    tier: NotRequired[str | None]
    status: NotRequired[str]


class OfferResult(TypedDict):
    """An offer (unique code + signed link); templates see it as offer.*."""

    code: str
    link: str
    expires_at: str | None  # ISO 8601
    offer_id: NotRequired[int | None]
    kind: NotRequired[str]
    value: NotRequired[str]  # a decimal as text
    currency: NotRequired[str | None]
    status: NotRequired[str]


class SurveyResult(TypedDict):
    """An exit survey's signed link; templates see it as survey.*."""

    survey_id: int | None
    url: str
    expires_at: str  # ISO 8601
    status: NotRequired[str]


class Effects(Protocol):
    """Side effects, implemented by the engine over the apps' services. Each call is keyed
    by (run, node, visit) there, so a replayed step never repeats an effect. Keyword
    arguments only; `variant` is the language variant used ("default" or a locale tag),
    kept with the message."""

    def send_email(self, *, subject: str, body: str, format: Literal["html", "text"] = "html",
                   from_name: str | None = None, reply_to: str | None = None,
                   category: MessageCategory = "marketing",
                   variant: str = "default") -> MessageResult: ...

    def send_sms(self, *, body: str, category: MessageCategory = "marketing",
                 variant: str = "default") -> MessageResult: ...

    def place_call(self, *, mode: Literal["bridge", "message"], agent_number: str, text: str,
                   menu: str, category: MessageCategory, queue: str) -> CallResult:
        """`agent_number` for a bridge ("" otherwise); `menu` the keypad prompt of a
        message call ("" for none); `queue` whose business hours the call keeps."""
        ...

    def create_task(self, *, kind: str, queue: str, title: str, notes: str,
                    due_at: datetime, business_hours: bool, priority: str) -> TaskResult:
        """`due_at` aware; with `business_hours` the tasks app moves it into the queue's."""
        ...

    def http_request(self, *, method: str, url: str, headers: Mapping[str, str],
                     json: Any, credential_id: int | None,
                     timeout_seconds: int) -> HttpResult: ...

    def update_customer(self, changes: ProfileChanges) -> ProfileResult: ...

    def create_offer(self, *, code_pattern: str, kind: str, value: Decimal,
                     currency: str | None, expires_at: datetime | None,
                     link_target_url: str | None, page_headline: str = "",
                     page_text: str = "") -> OfferResult:
        """`page_*`: the offer page's words when the block sets them ("" for standard)."""
        ...

    def create_exit_survey(self, *, channel: Literal["email", "sms"], reason_codes: list[str],
                           expires_at: datetime, question: str = "",
                           intro: str = "") -> SurveyResult:
        """`reason_codes` empty: every active reason; `question` / `intro` "" for the
        page's standard words."""
        ...


class RunContext(Protocol):
    """The run as a block sees it (read-only: a block never assigns to its context)."""

    @property
    def now(self) -> datetime: ...
    @property
    def customer(self) -> Any:
        """The customer's profile (the host's Customer row, or a test's stand-in)."""
        ...
    @property
    def event(self) -> Any | None:
        """The triggering event, if any."""
        ...
    @property
    def variables(self) -> Mapping[str, Any]:
        """Outputs of earlier nodes, by node id."""
        ...
    @property
    def run_id(self) -> int | None: ...
    @property
    def workflow_id(self) -> int | None:
        """Stable across runs: flow.split hashes it with the customer."""
        ...
    @property
    def node_id(self) -> str: ...
    @property
    def effects(self) -> Effects: ...

    # Liquid over customer, event, run, offer, survey (the host's template language);
    # html=True escapes inserted values (HTML e-mail); `extra` adds variables this node
    # made itself (the exit survey's link). Raises RenderError.
    def render(self, template: str, *, html: bool = False,
               extra: Mapping[str, Any] | None = None) -> str: ...
    def condition_matches(self, condition: Mapping[str, Any]) -> bool: ...
    def in_segment(self, segment_id: int) -> bool: ...


# --- The declaration ----------------------------------------------------------------------

# --- Triggers: how a run starts ----------------------------------------------------------


class TriggerKind(StrEnum):
    """How the engine starts runs at a trigger block."""

    EVENT = "event"  # a customer event of the type it listens to (indexed by type)
    SCAN = "scan"  # a periodic scan that finds the customers due (dates, silence, cron)
    WEBHOOK = "webhook"  # a call to the workflow's inbound URL, mapped to an event
    MANUAL = "manual"  # a person or an API client starts it for chosen customers


class TriggerPayloadError(ValueError):
    """An inbound payload a webhook trigger cannot use (e.g. no customer id in it); the
    message is shown to the caller."""


@dataclass(frozen=True)
class ScanStart:
    """Start one run for this customer. `key` is the run's entry key: a key seen before
    (same workflow) starts nothing, so a window scanned twice starts nothing twice."""

    customer_id: int
    key: str


@dataclass(frozen=True)
class ScanFanOut:
    """Start one run for every member of a segment, in batches (each member's entry key is
    `key_prefix:<customer id>`). A segment that no longer exists skips the fan-out."""

    segment_id: int
    key_prefix: str
    batch_size: int = 500


@dataclass(frozen=True)
class ScanResult:
    """What one scan of one live trigger found, and the state to remember for the next
    scan of that trigger. The engine saves `state` only once everything found has started,
    so a scan that fails half way is tried again with the same state."""

    found: Iterable[ScanStart | ScanFanOut] = ()
    state: Mapping[str, Any] = field(default_factory=dict)


class ScanContext(Protocol):
    """One live trigger's scan as its block sees it: the time window and the read-only
    queries the engine offers scans (over millions of customers, so in SQL and in chunks).
    A scan that needs another kind of query adds it here and to the engine
    (apps/engine/scans.py), like an effect."""

    now: datetime
    # The start of the window to look at: the time of this trigger's previous scan, or on
    # first sight (just published or resumed) `first_grace` before now, at most
    # `max_catch_up` before now. A scan looks at due times in (since, now].
    since: datetime
    state: Mapping[str, Any]  # what this trigger's previous scan returned ({} at first)
    node_id: str
    workflow_id: int

    def customers_by_attribute_text(self, attribute: str, low: str, high: str
                                    ) -> Iterator[tuple[int, Any, str]]:
        """(customer id, attribute value, time zone) of the customers whose attribute,
        read as text, is in [low, high), by customer id; erased customers left out."""
        ...

    def last_events(self, event_type: str, *, occurred_after: datetime | None,
                    occurred_until: datetime) -> Iterator[tuple[int, int, datetime]]:
        """(customer id, event id, occurred at) of each customer's last event of the type
        up to `now` when it occurred in (occurred_after, occurred_until]."""
        ...

    def events_overdue(self, event_type: str, *, multiplier: float, min_events: int,
                       since: datetime | None) -> Iterator[tuple[int, int, datetime]]:
        """(customer id, last event id, due time) of the customers whose silence since
        their last event of the type reached `multiplier` times their median gap between
        such events (with at least `min_events` of them), the due time in (since, now]."""
        ...


@dataclass(frozen=True)
class ScanSpec:
    """The periodic scan of a scan trigger."""

    # The trigger index's kind for these triggers, e.g. "date": unique, at most 16
    # characters, none of the engine's own kinds (event, goal, webhook, manual).
    name: str
    every: timedelta  # how often each live trigger is scanned
    run: Callable[[ScanContext, Any], ScanResult]  # (ctx, the trigger's config)
    first_grace: timedelta = timedelta(hours=1)
    max_catch_up: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class TriggerSpec:
    """What the engine needs to start runs at a trigger block, declared with the block so
    that a new trigger is one module (and its registry line), not an engine change."""

    kind: TriggerKind
    # EVENT and WEBHOOK: the event type, a str.format template over the config's fields
    # ("{event_type}"; trigger.segment listens to "segment.{on}").
    listens_to: str = ""
    # EVENT: the condition an event of that type must meet, from the config (None: every
    # one). Same language as flow.filter; evaluated on the customer and the event.
    condition: Callable[[Any], Mapping[str, Any] | None] | None = None
    # The config field naming the one segment whose members this trigger can start
    # (trigger.segment, trigger.schedule); "" when it may start any customer. Validation
    # uses it to count a workflow's audience.
    audience_segment: str = ""
    # EVENT and WEBHOOK: the run's entry key, a str.format template over event_id,
    # customer_id and node_id. The same key never starts the same workflow twice.
    entry_key: str = "event:{event_id}"
    scan: ScanSpec | None = None  # SCAN: the periodic scan
    # WEBHOOK: the inbound JSON payload -> {"customer_id": str, profile fields ("email",
    # "phone", "first_name", "last_name"), "properties": {...}, "attributes": {...}};
    # raises TriggerPayloadError.
    receive: Callable[[Any, Any], Mapping[str, Any]] | None = None

    def event_type(self, config: BlockConfig | Mapping[str, Any]) -> str:
        """The event type this trigger listens to with this config ("" for none)."""
        if not self.listens_to:
            return ""
        values = config.model_dump() if isinstance(config, BlockConfig) else dict(config)
        try:
            return self.listens_to.format(**values)
        except (KeyError, IndexError, ValueError):
            return ""

    def event_condition(self, config: BlockConfig) -> Mapping[str, Any] | None:
        return self.condition(config) if self.condition is not None else None

    def audience(self, config: Mapping[str, Any]) -> int | None:
        """The segment id this (raw) config limits the audience to, or None."""
        value = config.get(self.audience_segment) if self.audience_segment else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def describe(self) -> dict[str, Any]:
        """For the catalog: what the canvas may show or derive (e.g. the event type of a
        test event for this trigger)."""
        return {"kind": self.kind.value, "listens_to": self.listens_to,
                "audience_segment": self.audience_segment,
                "scan": self.scan.name if self.scan is not None else None}



# --- The canvas summary: what a node does, in a line or two ------------------------------

SummaryOp = Literal["eq", "ne", "set", "unset", "lt", "gt"]


@dataclass(frozen=True)
class SummaryWhen:
    """A line's condition on the node's config (with the schema's defaults): `eq` / `ne`
    compare with `value`, `set` / `unset` ask whether the field has a value (not missing,
    null, "", false, 0, [] or {}), `lt` / `gt` compare a number with `value`."""

    field: str
    op: SummaryOp = "set"
    value: str | int | float | bool | None = None

    def describe(self) -> dict[str, Any]:
        return {"field": self.field, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class SummaryLine:
    """One line of a node's summary on the canvas ("When feedback.submitted", "Wait 3
    days"), declared so that the canvas names no block type.

    `text` is English with placeholders over config fields, `{field}` or
    `{field|formatter}` (formatters the canvas implements once: `duration`, `condition`,
    `branches`, `host`, `abs`, `count`, `channel`, `keys`, `list:<prefix>`). A line shows
    only when every `when` holds and every placeholder has a value; the canvas shows the
    first two lines that do. `plural`: the English plural of `text`, the form picked by the
    number in the config field `count` (a list counts its items, a number its absolute
    value). `parts`: instead of `text`, pieces joined by ", " leaving out the empty ones
    (`+vip, plan`). `values`: fixed placeholder values the block gives (a preset's event
    type), used before the config's. Texts are translated like the block's other texts."""

    text: str = ""
    when: tuple[SummaryWhen, ...] = ()
    plural: str = ""
    count: str = ""
    parts: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()

    def texts(self) -> tuple[str, ...]:
        """The English texts a translator sees (plurals are separate, see `plural`)."""
        return tuple(text for text in (self.text, *self.parts) if text)


SUMMARY_FORMATTERS = ("duration", "condition", "branches", "host", "abs", "count", "channel",
                      "keys", "list")


PortsFn = Callable[[Any], list[str]]
# `type` is also a field of BlockSpec: the alias keeps the builtin meaning there.
ConfigModel = type[BlockConfig]


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
    config_model: ConfigModel
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
    # `trigger`: how runs start at this block; required for the trigger category, None
    # for the others.
    trigger: TriggerSpec | None = None
    # {language: {English text: its translation}} for the block's own words (label,
    # description, group, field titles ...), for block packages; core blocks are
    # translated by the `blocks` gettext catalogs (manage.py block_messages).
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # `upgrade`: turns a config of the previous version (`version - 1`) into a config of
    # this one. Pure (no clock, no database); required from version 2 on. Drafts are
    # upgraded through it on request; published workflows keep their version.
    upgrade: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    # `summary`: what a node of this block does with its settings, in a line or two on its
    # canvas card (SummaryLine); () shows none.
    summary: tuple[SummaryLine, ...] = ()
    # `channel`: the message channel an action sends on ("sms", "email"), or
    # "field:<name>" when a config field names it (its default when unset); "" for blocks
    # that send no message. The canvas counts and words what became of the messages.
    channel: str = ""
    # `awaits`: the config field naming the event type this block waits for ("" for none);
    # the canvas suggests it as a later event of a dry run.
    awaits: str = ""
    # `changes`: what is new in this version for the person building a workflow, in one
    # line (English; translated like the label). The canvas shows it where it offers the
    # upgrade, so "version 1, the newest is 2" says what upgrading brings. "" for none.
    changes: str = ""

    def output_ports(self, config: BlockConfig | None) -> list[str]:
        if callable(self.ports):
            return list(self.ports(config)) if config is not None else []
        return list(self.ports)
