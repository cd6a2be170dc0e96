"""The condition language's wire format, validated with pydantic.

Errors name the path inside the condition (`all.2.op`), so the API can answer
`condition.all.2.op` and the canvas can mark the faulty row."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from apps.common.parsers import number_in_range
from apps.customers.conditions.fields import FieldError, FieldRef, Kind, Scope, field_resolve
from apps.customers.conditions.nodes import (
    ORDERING,
    PRESENCE,
    RELATIVE,
    All,
    AnyOf,
    Leaf,
    Node,
    Not,
    Op,
    Root,
    Scalar,
)
from apps.customers.conditions.values import duration_parse, iso_datetime

MAX_DEPTH = 10
MAX_NODES = 300
MAX_LIST = 1000
MAX_TEXT = 1000
MAX_COUNT = 1_000_000_000
EVENT_TYPE_PATTERN = re.compile(r"[A-Za-z0-9_.:\-]{1,100}", re.ASCII)
# Membership changes emit these events; a segment defined over them could feed itself.
SEGMENT_EVENT_PREFIX = "segment."

_COMPARISONS = {Op.EQ, Op.NE, *ORDERING}
OPS_BY_KIND: dict[Kind, frozenset[Op]] = {
    Kind.TEXT: frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN, *ORDERING, Op.CONTAINS, *PRESENCE}),
    Kind.NUMBER: frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN, *ORDERING, *PRESENCE}),
    Kind.DATETIME: frozenset({*_COMPARISONS, *RELATIVE, *PRESENCE}),
    Kind.TAGS: frozenset({Op.CONTAINS, *PRESENCE}),
    Kind.JSON: frozenset(Op),
    Kind.EVENT_COUNT: frozenset(_COMPARISONS),
    Kind.DAYS_SINCE_LAST: frozenset(_COMPARISONS),
}
_LEAF_KEYS = ("field", "op", "value", "event_type", "window")
_GROUP_KEYS = ("all", "any", "not")
_NODE_HELP = (
    'expected a group {"all": [...]}, {"any": [...]}, {"not": {...}} '
    'or a leaf {"field": ..., "op": ..., "value": ...}'
)


@dataclass(frozen=True)
class ConditionIssue:
    path: str  # dotted, relative to the condition: "all.2.op"; "" for the whole condition
    code: str
    message: str


class ConditionError(ValueError):
    """An invalid condition; `issues` name each faulty place."""

    def __init__(self, issues: list[ConditionIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(f"{i.path or 'condition'}: {i.message}" for i in issues))


def _error(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


class Condition(BaseModel):
    """A condition node: a group (all / any / not) or a leaf (field, op, value)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    node_kind: SkipJsonSchema[str] = Field(default="leaf", exclude=True, repr=False)
    all: list[Condition] | None = Field(
        default=None, max_length=MAX_LIST, description="True when every item is true."
    )
    any: list[Condition] | None = Field(
        default=None, max_length=MAX_LIST, description="True when at least one item is true."
    )
    not_: Condition | None = Field(
        default=None, alias="not", description="True when the item is false."
    )
    field: str | None = Field(
        default=None, validate_default=True, max_length=400, examples=["customer.attributes.plan"]
    )
    op: Op | None = Field(default=None, validate_default=True)
    value: JsonValue = Field(default=None, validate_default=True)
    event_type: str | None = Field(
        default=None, validate_default=True, description="metrics.* only: the event type counted."
    )
    window: str | None = Field(
        default=None,
        validate_default=True,
        description="metrics.event_count only: e.g. 30d; none = ever.",
    )

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        groups = [key for key in _GROUP_KEYS if key in data]
        leaf = [key for key in _LEAF_KEYS if key in data]
        if "node_kind" in data or len(groups) > 1 or (groups and leaf) or not (groups or leaf):
            raise _error("invalid_node", _NODE_HELP)
        return {**data, "node_kind": "group" if groups else "leaf"}

    @field_validator("field")
    @classmethod
    def _field(cls, name: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("node_kind") != "leaf":
            return name
        if name is None:
            raise _error("required", "field is required, e.g. customer.attributes.plan")
        try:
            ref = field_resolve(name)
        except FieldError as exc:
            raise _error("unknown_field", str(exc)) from exc
        if ref.scope is Scope.EVENT and _context(info, "root") == "customer":
            raise _error(
                "not_allowed",
                "event fields are not available here: this "
                "condition is evaluated over customers, not one event",
            )
        return name

    @field_validator("op")
    @classmethod
    def _op(cls, op: Op | None, info: ValidationInfo) -> Op | None:
        if info.data.get("node_kind") != "leaf":
            return op
        if op is None:
            raise _error("required", f"op is required; one of: {', '.join(Op)}")
        ref = _ref(info)
        if ref is not None and op not in OPS_BY_KIND[ref.kind]:
            allowed = ", ".join(o.value for o in Op if o in OPS_BY_KIND[ref.kind])
            raise _error(
                "invalid_op", f"{op.value} does not apply to {ref.name}; use one of: {allowed}"
            )
        return op

    @field_validator("value")
    @classmethod
    def _value(cls, value: Any, info: ValidationInfo) -> Any:
        ref, op = _ref(info), info.data.get("op")
        if info.data.get("node_kind") != "leaf" or ref is None or op is None:
            return value
        try:
            typed_value(ref, op, value)
        except ValueError as exc:
            raise _error("invalid_value", str(exc)) from exc
        return value

    @field_validator("event_type")
    @classmethod
    def _event_type(cls, event_type: str | None, info: ValidationInfo) -> str | None:
        ref = _ref(info)
        if ref is None:
            return event_type
        if ref.scope is not Scope.METRICS:
            if event_type is not None:
                raise _error("not_allowed", "only metrics.* fields take an event_type")
            return event_type
        if event_type is None or not EVENT_TYPE_PATTERN.fullmatch(event_type):
            raise _error(
                "invalid_value",
                "event_type is required: the event type to look "
                "at, e.g. purchase (letters, digits, '_', '.', ':' or '-')",
            )
        if event_type.startswith(SEGMENT_EVENT_PREFIX) and _context(info, "segment"):
            raise _error(
                "not_allowed",
                "a segment cannot be defined over segment "
                "membership events (it would trigger itself)",
            )
        return event_type

    @field_validator("window")
    @classmethod
    def _window(cls, window: str | None, info: ValidationInfo) -> str | None:
        ref = _ref(info)
        if window is None or ref is None:
            return window
        if ref.kind is not Kind.EVENT_COUNT:
            raise _error("not_allowed", "only metrics.event_count takes a window")
        try:
            duration_parse(window)
        except ValueError as exc:
            raise _error("invalid_value", str(exc)) from exc
        return window

    def node(self) -> Node:
        """The validated tree the evaluators walk."""
        if self.all is not None:
            return All(tuple(item.node() for item in self.all))
        if self.any is not None:
            return AnyOf(tuple(item.node() for item in self.any))
        if self.not_ is not None:
            return Not(self.not_.node())
        assert self.field is not None and self.op is not None  # guaranteed by the validators
        ref = field_resolve(self.field)
        return Leaf(
            ref=ref,
            op=self.op,
            value=typed_value(ref, self.op, self.value),
            event_type=self.event_type,
            window=duration_parse(self.window) if self.window else None,
        )

    def wire(self) -> dict[str, Any]:
        """The canonical JSON form (what is stored)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


def _context(info: ValidationInfo, key: str) -> Any:
    return (info.context or {}).get(key)


def _ref(info: ValidationInfo) -> FieldRef | None:
    name = info.data.get("field")
    if info.data.get("node_kind") != "leaf" or name is None:
        return None
    return field_resolve(name)


def typed_value(ref: FieldRef, op: Op, value: Any) -> Any:
    """The leaf's value typed for its field and operator; ValueError says what is expected."""
    if op in PRESENCE:
        if value is not None:
            raise ValueError(f"{op.value} takes no value")
        return None
    if value is None:
        raise ValueError("value is required (to test for a missing value use exists or not_exists)")
    if op in RELATIVE:
        if not isinstance(value, str):
            raise ValueError("value is a duration such as 30d, 12h or 2w")
        return duration_parse(value)
    if ref.kind in (Kind.EVENT_COUNT, Kind.DAYS_SINCE_LAST):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            unit = "days" if ref.kind is Kind.DAYS_SINCE_LAST else "events"
            raise ValueError(f"value is a whole number of {unit} (0 or more)")
        return value
    if op in (Op.IN, Op.NOT_IN):
        if not isinstance(value, list) or not value or len(value) > MAX_LIST:
            raise ValueError(f"{op.value} takes a list of 1 to {MAX_LIST} values")
        return tuple(_scalar(ref, op, item) for item in value)
    return _scalar(ref, op, value)


def _scalar(ref: FieldRef, op: Op, value: Any) -> Scalar | datetime:
    if ref.kind is Kind.DATETIME:
        parsed = iso_datetime(value)
        if parsed is None:
            raise ValueError(
                f"{ref.name} is a date: compare with an ISO-8601 date such as "
                "2026-03-01 or 2026-03-01T09:30:00Z"
            )
        return parsed
    if isinstance(value, str):
        if len(value) > MAX_TEXT or "\x00" in value:
            raise ValueError(f"text values are at most {MAX_TEXT} characters, without NUL")
        if ref.kind is Kind.NUMBER:
            raise ValueError(f"{ref.name} is a number: compare with a number")
        return value
    if isinstance(value, bool):
        if ref.kind is not Kind.JSON or op in ORDERING:
            raise ValueError(
                "true/false can only be tested with eq, ne, in, not_in or "
                "contains on attributes and properties"
            )
        return value
    if isinstance(value, int | float):
        if ref.kind in (Kind.TEXT, Kind.TAGS):
            raise ValueError(f"{ref.name} is text: compare with a string")
        if not number_in_range(value):
            raise ValueError("numbers must be finite and at most 1.7e308 in size")
        # An integral float is the integer: keeps 2.0**60 exact in both evaluators.
        return int(value) if isinstance(value, float) and value.is_integer() else value
    raise ValueError("value must be a string, a number or true/false")


def condition_parse(data: Any, *, root: Root = "event", segment: bool = False) -> Node:
    """Validate a condition and return its tree. `root="customer"` refuses event.* fields;
    `segment=True` also refuses metrics over segment membership events."""
    return condition_validate(data, root=root, segment=segment).node()


def condition_validate(data: Any, *, root: Root = "event", segment: bool = False) -> Condition:
    if isinstance(data, Condition):
        data = data.wire()
    _check_size(data)
    try:
        return Condition.model_validate(data, context={"root": root, "segment": segment})
    except ValidationError as exc:
        raise ConditionError([_issue(error) for error in exc.errors()]) from exc


def _issue(error: Any) -> ConditionIssue:
    path = ".".join("not" if part == "not_" else str(part) for part in error["loc"])
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = f"unknown key; {_NODE_HELP}"
    return ConditionIssue(path, error["type"], message)


def _check_size(data: Any) -> None:
    """Refuse trees too deep or too large before pydantic recurses into them."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    nodes = 0
    while stack:
        node, path, depth = stack.pop()
        if not isinstance(node, dict):
            continue
        nodes += 1
        if nodes > MAX_NODES:
            message = f"the condition has more than {MAX_NODES} nodes"
            raise ConditionError([ConditionIssue("", "too_large", message)])
        if depth > MAX_DEPTH:
            message = f"the condition nests deeper than {MAX_DEPTH} levels"
            raise ConditionError([ConditionIssue(path, "too_large", message)])
        for key in ("all", "any"):
            items = node.get(key)
            if isinstance(items, list):
                stack += [
                    (item, _join(path, f"{key}.{i}"), depth + 1) for i, item in enumerate(items)
                ]
        if isinstance(node.get("not"), dict):
            stack.append((node["not"], _join(path, "not"), depth + 1))


def _join(path: str, tail: str) -> str:
    return f"{path}.{tail}" if path else tail
