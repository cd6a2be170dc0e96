"""What a block may ask of the application that hosts it, besides its run's context.

Blocks depend on two small surfaces and nothing else of Keepflow:
- `RunContext` (blocks/base.py) while a node runs: time, customer, event, rendering,
  conditions, segments and effects;
- `BlockHost` (here) everywhere else, mostly while a config is validated: the template
  check, the condition language, event-type names, SMS sizes and locale tags. Their rules
  belong to the apps (the same rules check the API's input and messaging's output), so
  blocks ask for them instead of importing the apps' modules.

The apps install their implementation once, from `AppConfig.ready()`
(`apps/workflows/block_host.py`); until then `block_host()` raises. An import rule keeps
it so: blocks import no app module (`[tool.importlinter]`, "blocks-import-no-apps").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol, TypedDict


class TemplateIssue(TypedDict):
    """One finding of the template check, 1-based line and column where known."""

    severity: Literal["error", "warning"]
    code: str  # template_syntax, unknown_filter, template_too_large, unknown_variable, ...
    message: str  # in the active language
    line: int | None
    column: int | None


class ConditionIssue(TypedDict):
    """One fault of a condition, at its path inside the condition (`all.2.op`)."""

    path: str
    code: str
    message: str


class SmsSize(TypedDict):
    """A text's size as carriers bill it."""

    length: int  # GSM-7 septets or UCS-2 code units
    characters: int
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int


ConditionRoot = Literal["event", "customer"]


class BlockHost(Protocol):
    """The application's rules a block may use. Every member is pure (no database, no
    network), so validation and a block's `run` may call it freely."""

    @property
    def event_type_pattern(self) -> str:
        """A regular expression (JSON Schema dialect, anchored) every event type matches."""
        ...

    @property
    def event_type_hint(self) -> str:
        """How to write an event type, as an English msgid (gettext_noop)."""
        ...

    def template_check(self, text: str) -> list[TemplateIssue]:
        """Errors (syntax, unknown filter, size) and warnings (unknown or renamed variables)
        of one Liquid template."""
        ...

    def condition_issues(self, condition: Mapping[str, Any], *,
                         root: ConditionRoot = "event") -> list[ConditionIssue]:
        """Every fault of a condition in the condition language; [] when it is valid."""
        ...

    def sms_size(self, text: str) -> SmsSize:
        """Length, encoding and segment count of an SMS text."""
        ...

    def locale_normalize(self, tag: str | None) -> str:
        """A locale tag in canonical form ("de_at" → "de-AT"); "" for none."""
        ...


_HOST: list[BlockHost] = []


def block_host_install(host: BlockHost) -> None:
    """Make `host` the one blocks ask (from AppConfig.ready(); a later call replaces it)."""
    _HOST[:] = [host]


def block_host() -> BlockHost:
    """The installed host. Raises RuntimeError before one is installed (Django not set up)."""
    if not _HOST:
        raise RuntimeError("no block host installed: blocks need Django set up "
                           "(the workflows app installs the host in its AppConfig.ready)")
    return _HOST[0]


# --- What blocks derive from the host ---------------------------------------------------


def template_errors(text: str) -> list[TemplateIssue]:
    """Errors of the template itself (syntax, filters, size), for a field's own check.
    Unknown variables are left to graph validation, which names the block and field."""
    return [issue for issue in block_host().template_check(text)
            if issue["severity"] == "error" and issue["code"] != "unknown_variable"]
