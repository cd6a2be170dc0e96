"""Liquid for user-authored templates: messages, task notes, webhook URLs and payloads.

Templates are written by staff in the canvas, so they are untrusted code. The sandbox:
- renders only plain data (dicts, lists, strings, numbers) built here from the models;
  Liquid resolves paths by item lookup, never by attribute, so `customer.__class__` or
  `customer._meta` are simply undefined;
- has no `include` / `render` tags (they would read other templates through a loader)
  and no loader at all;
- bounds the work: template size, loop iterations, assigned data and output size.

A variable that is known but has no value renders as empty text (use `default` for a
fallback) because a missing first name must not stop an apology. A variable that does
not exist at all (`customer.extrnal_id`) is a typo that would render empty on every
run: `template_check` reports it as an error, with a "did you mean" where one is close,
and graph validation names the block and field (issue 17).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal, TypedDict

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from liquid import Environment, Undefined
from liquid.exceptions import LiquidError, LiquidSyntaxError, TemplateInheritanceError
from liquid.extra.filters._json import JSON
from liquid.token import TOKEN_EXPRESSION, TOKEN_OUTPUT, TOKEN_TAG

from apps.common.locale_filters import FILTERS as LOCALE_FILTERS
from apps.common.locale_filters import render_locale

MAX_TEMPLATE_CHARS = 100_000
MAX_OUTPUT_BYTES = 500_000
LOOP_ITERATION_LIMIT = 10_000
LOCAL_NAMESPACE_LIMIT = 200_000  # bytes, as python-liquid measures assigned values
_PLAIN_DEPTH_LIMIT = 12


class TemplateIssue(TypedDict):
    severity: Literal["error", "warning"]
    code: str
    message: str
    line: int | None
    column: int | None


class TemplateError(Exception):
    """A template that cannot be parsed or rendered (syntax, unknown filter, a limit)."""

    def __init__(self, code: str, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column

    def as_issue(self) -> TemplateIssue:
        return {"severity": "error", "code": self.code, "message": self.message,
                "line": self.line, "column": self.column}


def _json_default(value: Any) -> Any:
    """`| json` of a missing value is null (a payload keeps its shape), a range a list."""
    if isinstance(value, Undefined):
        return None
    if isinstance(value, range):
        return list(value)
    raise TypeError(f"a {type(value).__name__} cannot be written as JSON")


class _SandboxEnvironment(Environment):
    """The builtin tags and filters minus the ones that load other templates."""

    loop_iteration_limit = LOOP_ITERATION_LIMIT
    local_namespace_limit = LOCAL_NAMESPACE_LIMIT
    output_stream_limit = MAX_OUTPUT_BYTES
    context_depth_limit = 10

    def setup_tags_and_filters(self, *, extra: bool = False) -> None:
        super().setup_tags_and_filters(extra=False)
        for tag in ("include", "render"):
            self.tags.pop(tag, None)
        self.add_filter("json", JSON(default=_json_default))
        for name, function in LOCALE_FILTERS.items():  # date, money, number, plural
            self.add_filter(name, function)


_TEXT_ENV = _SandboxEnvironment(undefined=Undefined, strict_filters=True)
_HTML_ENV = _SandboxEnvironment(undefined=Undefined, strict_filters=True, autoescape=True)


def _line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


_UNCLOSED = re.compile(r"expected tag end(\w+)")


def _locate(text: str, message: str) -> int | None:
    """Where a positionless syntax error comes from.

    python-liquid reports errors found at the end of an expression, or an unclosed
    block, without a position. The culprit is the innermost unclosed block of that kind,
    or the first markup that fails on its own with the same message."""
    try:
        tokens = list(_TEXT_ENV.tokenizer()(text))
    except LiquidError:
        return None
    unclosed = _UNCLOSED.match(message)
    open_blocks: list[tuple[str, int]] = []
    for index, token in enumerate(tokens):
        if token.kind == TOKEN_OUTPUT:
            markup, start = token.value, token.start_index
        elif token.kind == TOKEN_TAG:
            start = text.rfind("{%", 0, token.start_index)
            if token.value.startswith("end"):
                while open_blocks and open_blocks.pop()[0] != token.value[3:]:
                    pass
            else:
                open_blocks.append((token.value, start))
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            expression = following.value if following and following.kind == TOKEN_EXPRESSION else ""
            markup = f"{{% {token.value} {expression} %}}"
        else:
            continue
        if unclosed:
            continue
        try:
            _TEXT_ENV.from_string(markup)
        except LiquidError as err:
            if str(err.message) == message:
                return start
    if unclosed:
        for name, start in reversed(open_blocks):
            if name == unclosed.group(1):
                return start
    return None


def _error_from_liquid(err: LiquidError, code: str, text: str) -> TemplateError:
    message = str(err.message)
    context = err.context()
    if context is not None:
        line, column, *_ = context
        return TemplateError(code, message, line, column + 1)
    index = _locate(text, message)
    if index is None:
        return TemplateError(code, message, *_line_column(text, len(text)))
    return TemplateError(code, message, *_line_column(text, index))


@lru_cache(maxsize=256)
def _parse(text: str, html: bool) -> Any:
    if len(text) > MAX_TEMPLATE_CHARS:
        raise TemplateError(
            "template_too_large", f"a template has at most {MAX_TEMPLATE_CHARS} characters"
        )
    env = _HTML_ENV if html else _TEXT_ENV
    try:
        return env.from_string(text)
    except (LiquidSyntaxError, TemplateInheritanceError) as err:
        raise _error_from_liquid(err, "template_syntax", text) from None
    except LiquidError as err:  # nesting limits and other parse-time refusals
        raise _error_from_liquid(err, "template_invalid", text) from None


def template_check(text: str) -> list[TemplateIssue]:
    """Errors (syntax, unknown filter, size) and warnings (unknown top-level variables),
    with 1-based line and column, for validation and the canvas editor."""
    try:
        template = _parse(text, False)
    except TemplateError as err:
        return [err.as_issue()]
    analysis = template.analyze(include_partials=False)
    issues: list[TemplateIssue] = []
    for name, spans in sorted(analysis.filters.items()):
        if name not in _TEXT_ENV.filters:
            line, column = spans[0].line_col(text)
            issues.append({"severity": "error", "code": "unknown_filter",
                           "message": f"unknown filter {name!r}",
                           "line": line, "column": column + 1})
    reported: set[str] = set()
    for _root, variables in sorted(analysis.globals.items()):
        for variable in variables:
            issue = _variable_issue(list(variable.segments))
            if issue is None or issue[1] in reported:
                continue
            reported.add(issue[1])
            line, column = variable.span.line_col(text)
            code, _path, message = issue
            issues.append({"severity": "warning" if code == "renamed_variable" else "error",
                           "code": code, "message": message, "line": line,
                           "column": column + 1})
    return issues


# What a template can reach (see template_context_for). A dict names the keys below a
# path; _ANY is free-form data (attributes, event properties), _LIST a list, _LEAF a value.
_ANY, _LIST, _LEAF = "any", "list", "leaf"
# The customer's fields in template data (customer_template_data), besides its ids and name.
_CUSTOMER_FIELDS = ("email", "phone", "first_name", "last_name", "timezone", "locale", "tags",
                    "attributes", "churn_score", "clv", "tier", "p_alive", "expected_purchases_90d",
                    "churn_reason", "created_at", "last_seen_at")
_VARIABLES: dict[str, Any] = {
    "customer": {**dict.fromkeys(_CUSTOMER_FIELDS, _LEAF), "tags": _LIST, "attributes": _ANY,
                 "external_id": _LEAF, "id": _LEAF, "name": _LEAF},
    "event": {"id": _LEAF, "type": _LEAF, "properties": _ANY, "occurred_at": _LEAF},
    "run": {"id": _LEAF, "workflow_name": _LEAF},
    "offer": {"offer_id": _LEAF, "code": _LEAF, "link": _LEAF, "expires_at": _LEAF,
              "kind": _LEAF, "value": _LEAF, "currency": _LEAF},
    "survey": {"survey_id": _LEAF, "url": _LEAF, "expires_at": _LEAF},
}
# Old names kept working (published versions are immutable), reported as warnings.
_RENAMED = {"customer.id": "customer.external_id"}
_LIST_MEMBERS = ("first", "last", "size")


def _dotted(segments: list[Any]) -> str:
    return "".join(f"[{s}]" if isinstance(s, int) else (f".{s}" if i else str(s))
                   for i, s in enumerate(segments))


def _variable_issue(segments: list[Any]) -> tuple[str, str, str] | None:
    """(code, path, message) for a path no run provides, or an old name; None if fine.
    A segment computed at render time (`attributes[event.type]`) ends the check."""
    node: Any = _VARIABLES
    for index, segment in enumerate(segments):
        if not isinstance(segment, str | int) or node == _ANY:
            return None
        if node == _LIST and (isinstance(segment, int) or segment in _LIST_MEMBERS):
            node = _LEAF
            continue
        if node == _LEAF and segment == "size":
            continue
        if isinstance(node, dict) and segment in node:
            node = node[segment]
            continue
        path = _dotted(segments[:index + 1])
        options = sorted(name for name in node
                         if _dotted([*segments[:index], name]) not in _RENAMED) \
            if isinstance(node, dict) else \
            (list(_LIST_MEMBERS) if node == _LIST else ["size"])
        suggestion = _suggestion(segments, index, options)
        message = str(_("unknown variable %(path)s") % {"path": path})
        if suggestion:
            message += str(_("; did you mean %(path)s?") % {"path": suggestion})
        elif isinstance(node, dict):
            message += str(_("; use one of %(names)s") % {"names": ", ".join(
                _dotted([*segments[:index], name]) for name in options)})
        return "unknown_variable", path, message
    path = _dotted(segments)
    if path in _RENAMED:
        return "renamed_variable", path, str(_(
            "%(old)s is the old name of %(new)s, which conditions and the API use too; "
            "it still works") % {"old": path, "new": _RENAMED[path]})
    return None


def _suggestion(segments: list[Any], index: int, options: list[str]) -> str | None:
    """The closest known path, keeping the rest of the written path."""
    segment = segments[index]
    if not isinstance(segment, str):
        return None
    close = difflib.get_close_matches(segment, options, n=1, cutoff=0.6)
    if not close:
        return None
    return _dotted([*segments[:index], close[0], *segments[index + 1:]])


def template_render(text: str, context: Mapping[str, Any], *, html: bool = False,
                    locale: str | None = None) -> str:
    """Render with plain data (see `template_context_for`). `html` escapes the values
    inserted into an HTML body. Dates, money and numbers are formatted in the customer's
    locale (`locale` overrides it, e.g. a variant's preview) and time zone. Raises
    TemplateError; undefined values render empty."""
    template = _parse(text, html)
    variables = context if isinstance(context, TemplateContext) else {
        key: plain(value) for key, value in context.items()}
    customer = variables.get("customer")
    customer = customer if isinstance(customer, Mapping) else {}
    try:
        with render_locale(locale or customer.get("locale"), customer.get("timezone")):
            return template.render(**variables)
    except LiquidError as err:
        raise _error_from_liquid(err, "template_render", text) from None
    except (ArithmeticError, TypeError, ValueError) as err:  # a filter the library missed
        raise TemplateError("template_render", str(err)) from None


def plain(value: Any, depth: int = 0) -> Any:
    """JSON-like copy of `value`: the only kind of data a template may see."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if depth >= _PLAIN_DEPTH_LIMIT:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, Sequence | set | frozenset) and not isinstance(value, bytes):
        return [plain(item, depth + 1) for item in value]
    return str(value)


def customer_template_data(customer: Any) -> dict[str, Any]:
    """A customer (model or mapping) as template data. `external_id` is the id in the
    client's systems, as in conditions and the API; `id` is its old name, kept."""
    if isinstance(customer, Mapping):
        source: Mapping[str, Any] = customer
    else:
        source = {name: getattr(customer, name, None) for name in (*_CUSTOMER_FIELDS,
                                                                   "external_id")}
    data = {name: plain(source.get(name)) for name in _CUSTOMER_FIELDS}
    data["attributes"] = data["attributes"] or {}
    data["tags"] = data["tags"] or []
    data["external_id"] = data["id"] = source.get("external_id") or source.get("id") or ""
    data["name"] = f"{data['first_name'] or ''} {data['last_name'] or ''}".strip()
    return data


def event_template_data(event: Any) -> dict[str, Any]:
    if isinstance(event, Mapping):
        source: Mapping[str, Any] = event
    else:
        source = {name: getattr(event, name, None)
                  for name in ("id", "type", "properties", "occurred_at")}
    return {"id": plain(source.get("id")), "type": plain(source.get("type")) or "",
            "properties": plain(source.get("properties")) or {},
            "occurred_at": plain(source.get("occurred_at"))}


class TemplateContext(dict):
    """Template variables already made plain (by `template_context_for`): rendering
    several templates with one context does not copy it again for each."""


def template_context_for(customer: Any, event: Any = None,
                         run: Mapping[str, Any] | None = None,
                         offer: Mapping[str, Any] | None = None,
                         survey: Mapping[str, Any] | None = None) -> TemplateContext:
    """The variables a template sees: customer, event, run, offer and exit survey as
    plain data."""
    return TemplateContext({
        "customer": customer_template_data(customer),
        "event": event_template_data(event) if event is not None else {},
        "run": plain(run) if run is not None else {},
        "offer": plain(offer) if offer is not None else {},
        "survey": plain(survey) if survey is not None else {},
    })


TEMPLATE_VARIABLES: tuple[dict[str, str], ...] = (
    {"path": "customer.external_id", "example": "C-1042",
     "description": gettext_noop("The customer's id in your systems (customer.id is its old "
                                 "name).")},
    {"path": "customer.first_name", "example": "Ada",
     "description": gettext_noop("First name.")},
    {"path": "customer.last_name", "example": "Lovelace",
     "description": gettext_noop("Last name.")},
    {"path": "customer.name", "example": "Ada Lovelace",
     "description": gettext_noop("First and last name.")},
    {"path": "customer.email", "example": "ada@example.com",
     "description": gettext_noop("E-mail address.")},
    {"path": "customer.phone", "example": "+4915112345678",
     "description": gettext_noop("Phone number (E.164).")},
    {"path": "customer.tier", "example": "gold",
     "description": gettext_noop("Value tier.")},
    {"path": "customer.clv", "example": "1250.0",
     "description": gettext_noop("Customer lifetime value.")},
    {"path": "customer.churn_score", "example": "0.72",
     "description": gettext_noop("Churn risk 0..1.")},
    {"path": "customer.churn_reason",
     "example": "4 purchases, about every 30 days; the last one 95 days ago.",
     "description": gettext_noop("Why the churn score is what it is.")},
    {"path": "customer.p_alive", "example": "0.41",
     "description": gettext_noop("Chance the customer still buys, 0..1.")},
    {"path": "customer.expected_purchases_90d", "example": "1.3",
     "description": gettext_noop("Purchases expected in the next 90 days.")},
    {"path": "customer.tags", "example": "vip",
     "description": gettext_noop("Tags (a list).")},
    {"path": "customer.attributes.<name>", "example": "customer.attributes.contract_end",
     "description": gettext_noop("Any profile attribute.")},
    {"path": "event.type", "example": "feedback.submitted",
     "description": gettext_noop("Type of the triggering event.")},
    {"path": "event.properties.<name>", "example": "event.properties.score",
     "description": gettext_noop("A property of the triggering event.")},
    {"path": "event.occurred_at", "example": "2026-03-01T09:30:00+00:00",
     "description": gettext_noop("When the event happened (ISO 8601).")},
    {"path": "run.id", "example": "8812",
     "description": gettext_noop("This run's id.")},
    {"path": "run.workflow_name", "example": "Negative-feedback apology",
     "description": gettext_noop("The workflow's name.")},
    {"path": "offer.code", "example": "SAVE-4F7K2Q",
     "description": gettext_noop("Code of the offer created earlier in this run.")},
    {"path": "offer.link", "example": "https://keepflow.example/o/…",
     "description": gettext_noop("Signed reactivation link of that offer.")},
    {"path": "offer.expires_at", "example": "2026-04-01T00:00:00+00:00",
     "description": gettext_noop("When the offer expires (ISO 8601).")},
    {"path": "survey.url", "example": "https://keepflow.example/s/…",
     "description": gettext_noop("Signed link to the exit survey of this run's exit-survey "
                                 "block.")},
    {"path": "survey.expires_at", "example": "2026-04-01T00:00:00+00:00",
     "description": gettext_noop("When the survey link stops working (ISO 8601).")},
)

# --- SMS length ------------------------------------------------------------------------

# GSM 03.38 default alphabet; the extension table's characters take an escape septet too.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
_LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


class SmsSize(TypedDict):
    length: int  # septets for GSM-7, UTF-16 code units for UCS-2
    characters: int
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int


def _units(text: str) -> tuple[str, list[int]]:
    """The encoding and each character's size in that encoding's units."""
    if all(char in _GSM_BASIC or char in _GSM_EXTENSION for char in text):
        return "GSM-7", [2 if char in _GSM_EXTENSION else 1 for char in text]
    return "UCS-2", [2 if ord(char) > 0xFFFF else 1 for char in text]


def sms_segments(text: str) -> SmsSize:
    """Length and segment count as carriers bill them: 160 GSM-7 septets (153 per part
    once concatenated) or 70 UCS-2 units (67 per part); an escape pair or a surrogate
    pair is never split across parts."""
    encoding, units = _units(text)
    single, part = _LIMITS[encoding]
    length = sum(units)
    if length <= single:
        segments = 1 if length else 0
    else:
        segments, used = 1, 0
        for size in units:
            if used + size > part:
                segments, used = segments + 1, 0
            used += size
    return {"length": length, "characters": len(text), "encoding": encoding,  # type: ignore[typeddict-item]
            "segments": segments}


# --- Preview -----------------------------------------------------------------------------

PREVIEW_SURVEY = {
    "url": "https://keepflow.example/s/preview",
    "expires_at": "2030-01-01T00:00:00+00:00",
}

PREVIEW_OFFER = {
    "code": "PREVIEW-4F7K2Q",
    "link": "https://keepflow.example/o/preview",
    "value": 10,
    "kind": "percent",
    "expires_at": "2030-01-01T00:00:00+00:00",
}


class TemplatePreview(TypedDict):
    rendered: str | None
    errors: list[TemplateIssue]
    warnings: list[TemplateIssue]
    sms: SmsSize | None


def template_preview(text: str, customer: Any, event: Any = None, *,
                     channel: Literal["text", "sms", "email"] = "text",
                     locale: str | None = None) -> TemplatePreview:
    """Render against a real customer (and event); an offer and a survey get sample values.
    `email` escapes inserted values as HTML; `sms` also reports the message's size (a
    variant's segments, set against the default's, is what the canvas shows per language).
    `locale` formats as for a customer of that locale (the variant being previewed)."""
    issues = template_check(text)
    errors = [issue for issue in issues if issue["severity"] == "error"]
    warnings = [issue for issue in issues if issue["severity"] == "warning"]
    if errors:
        return {"rendered": None, "errors": errors, "warnings": warnings, "sms": None}
    context = template_context_for(customer, event, run={"id": None, "workflow_name": ""},
                                   offer=PREVIEW_OFFER, survey=PREVIEW_SURVEY)
    try:
        rendered = template_render(text, context, html=channel == "email", locale=locale)
    except TemplateError as err:
        return {"rendered": None, "errors": [err.as_issue()], "warnings": warnings,
                "sms": None}
    return {"rendered": rendered, "errors": [], "warnings": warnings,
            "sms": sms_segments(rendered) if channel == "sms" else None}
