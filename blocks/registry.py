"""The registry: every block, listed explicitly, and what the rest of Keepflow asks of it.

- `block_find` / `block_get`: a spec by type id and version (the latest when None).
  `BLOCKS` lists the latest version of every block (the palette); `BLOCKS_PREVIOUS` the
  older versions that published workflows may still run (blocks/README.md, "Breaking
  changes"). A graph node names its version (`node_version`; none means 1).
- `block_config_upgrade`: a config of an older version → the latest, through each
  version's `upgrade`.
- `block_config_validate`: a node's config → (model, errors as [{field, code, message}]).
- `block_config_warnings`: template variables of a valid config no run provides, and old names.
- `blocks_all()`: the core blocks (`BLOCKS`, an explicit list), then the blocks of
  installed block packages (entry point group `keepflow.blocks`, blocks/plugins.py).
- `scans_all()` / `scan_find`: the periodic scans that scan triggers declare.
- `catalog()`: the palette for GET /api/v1/blocks, in the active language (blocks/i18n.py);
  other apps add entries (reusable block templates) through `catalog_provider_register`,
  see blocks/README.md.
"""

from __future__ import annotations

import copy
import inspect
import json
import types
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Annotated, Any, TypedDict, Union, get_args, get_origin

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from pydantic import BaseModel, ValidationError

from blocks.actions import (
    call,
    create_task,
    exit_survey,
    http_request,
    offer,
    offer_v1,
    send_email,
    send_sms,
    update_customer,
)
from blocks.actions.connectors import (
    freshdesk,
    hubspot,
    pipedrive,
    salesforce,
    slack,
    teams,
    zendesk,
)
from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    ConfigFieldError,
    ConfigFieldErrors,
    DynamicPorts,
    ScanSpec,
    SummaryLine,
)
from blocks.fields import Widget
from blocks.flow import branch, segment_check, split, wait, wait_for_event
from blocks.flow import exit as flow_exit
from blocks.flow import filter as flow_filter
from blocks.host import block_host
from blocks.i18n import block_language, entry_translate, plural_forms
from blocks.plugins import packages_load
from blocks.rendering import template_paths
from blocks.triggers import date, event, inactivity, manual, schedule, segment, webhook

BLOCKS: tuple[BlockSpec, ...] = (
    event.SPEC,
    segment.SPEC,
    date.SPEC,
    inactivity.SPEC,
    schedule.SPEC,
    webhook.SPEC,
    manual.SPEC,
    flow_filter.SPEC,
    branch.SPEC,
    segment_check.SPEC,
    split.SPEC,
    wait.SPEC,
    wait_for_event.SPEC,
    flow_exit.SPEC,
    send_email.SPEC,
    send_sms.SPEC,
    create_task.SPEC,
    call.SPEC,
    http_request.SPEC,
    update_customer.SPEC,
    offer.SPEC,
    exit_survey.SPEC,
    zendesk.SPEC,
    freshdesk.SPEC,
    hubspot.SPEC,
    salesforce.SPEC,
    pipedrive.SPEC,
    slack.SPEC,
    teams.SPEC,
)

# Older versions of blocks, kept loadable (config model and run) for the workflow
# versions published on them. Remove one only when no published version uses it.
BLOCKS_PREVIOUS: tuple[BlockSpec, ...] = (
    offer_v1.SPEC,
)


def _index(latest: Iterable[BlockSpec], previous: Iterable[BlockSpec]
           ) -> tuple[dict[str, BlockSpec], dict[tuple[str, int], BlockSpec]]:
    """(latest spec by type, every spec by (type, version)); refuses duplicates, a
    previous version newer than the latest, and a chain with a gap or without `upgrade`."""
    by_type: dict[str, BlockSpec] = {}
    for spec in latest:
        if spec.type in by_type:
            raise RuntimeError(f"two blocks share the type id {spec.type!r}")
        by_type[spec.type] = spec
    by_version: dict[tuple[str, int], BlockSpec] = {}
    for spec in [*by_type.values(), *previous]:
        if (spec.type, spec.version) in by_version:
            raise RuntimeError(f"{spec.type} version {spec.version} is listed twice")
        latest_spec = by_type.get(spec.type)
        if latest_spec is None or spec.version > latest_spec.version:
            raise RuntimeError(f"{spec.type} version {spec.version} is not older than the "
                               "latest listed in BLOCKS")
        by_version[(spec.type, spec.version)] = spec
    for (block_type, version), spec in by_version.items():
        if version > 1 and spec.upgrade is None:
            raise RuntimeError(f"{block_type} version {version} needs an `upgrade` from "
                               f"version {version - 1}")
    return by_type, by_version


_BY_TYPE, _BY_VERSION = _index(BLOCKS, BLOCKS_PREVIOUS)

# Block packages after the core blocks: a package never replaces a core block.
PACKAGE_BLOCKS = packages_load(_BY_TYPE)
_BY_TYPE.update({item.spec.type: item.spec for item in PACKAGE_BLOCKS})
_BY_VERSION.update({(item.spec.type, item.spec.version): item.spec for item in PACKAGE_BLOCKS})
_PACKAGE_OF = {item.spec.type: item.package for item in PACKAGE_BLOCKS}

DEFAULT_GROUPS = {Category.TRIGGER: "Triggers", Category.FLOW: "Flow", Category.ACTION: "Actions"}


class ConfigError(TypedDict):
    field: str  # dotted path inside the config; "" is the config as a whole
    code: str
    message: str


def blocks_all() -> tuple[BlockSpec, ...]:
    """The latest version of every core block in palette order, then the blocks of
    installed block packages."""
    return BLOCKS + tuple(item.spec for item in PACKAGE_BLOCKS)


def block_package(block_type: str) -> str | None:
    """The distribution that ships a package block; None for a core block."""
    return _PACKAGE_OF.get(block_type)


def scans_all() -> tuple[ScanSpec, ...]:
    """The periodic scans of the scan triggers, in registry order."""
    return tuple(spec.trigger.scan for spec in blocks_all()
                 if spec.trigger is not None and spec.trigger.scan is not None)


def scan_find(name: str) -> ScanSpec | None:
    return next((scan for scan in scans_all() if scan.name == name), None)


def blocks_every_version() -> tuple[BlockSpec, ...]:
    """Every loadable spec: the latest versions (package blocks included), then the older
    ones."""
    return (*blocks_all(), *BLOCKS_PREVIOUS)


def block_find(block_type: str, version: int | None = None) -> BlockSpec | None:
    """The spec of a type at a version (the latest when None); None if either is unknown.
    The engine, validation and the dry run call this with the node's pinned version."""
    if version is None:
        return _BY_TYPE.get(block_type)
    return _BY_VERSION.get((block_type, version))


def block_get(block_type: str, version: int | None = None) -> BlockSpec:
    """Like block_find; KeyError names the unknown type or version."""
    spec = block_find(block_type, version)
    if spec is None:
        what = f"block type {block_type!r}" + (f" version {version}" if version else "")
        raise KeyError(f"unknown {what}")
    return spec


def block_latest_version(block_type: str) -> int | None:
    spec = _BY_TYPE.get(block_type)
    return spec.version if spec is not None else None


def block_versions(block_type: str) -> list[int]:
    """The loadable versions of a type, oldest first."""
    return sorted(version for kind, version in _BY_VERSION if kind == block_type)


def node_version(node: Mapping[str, Any]) -> int:
    """The block version a graph node pins. A node without one is version 1: every block
    was at version 1 before versions were recorded, so old graphs keep their meaning.
    Anything but a positive integer also reads as 1 (the structure check refuses it)."""
    version = node.get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) \
        and version >= 1 else 1


def block_config_upgrade(block_type: str, config: Mapping[str, Any], version: int,
                         to_version: int | None = None) -> dict[str, Any]:
    """A config of `version` as a config of `to_version` (the latest when None), through
    the `upgrade` of every version in between. The result is not validated: an invalid
    old config stays invalid, with its errors named in the new version's fields."""
    target = to_version if to_version is not None else block_latest_version(block_type)
    if target is None or version > target:
        raise KeyError(f"cannot upgrade {block_type!r} from version {version} to {target}")
    out = dict(config)
    for step in range(version + 1, target + 1):
        upgrade = block_get(block_type, step).upgrade
        if upgrade is None:  # pragma: no cover - _index refuses such a chain
            raise KeyError(f"{block_type} version {step} has no upgrade")
        out = upgrade(out)
    return out


# --- Validation ---------------------------------------------------------------------------

_CODES = {"missing": "required", "extra_forbidden": "unknown_field"}


def _config_errors(exc: ValidationError) -> list[ConfigError]:
    errors: list[ConfigError] = []
    for error in exc.errors(include_url=False):
        path = [str(part) for part in error["loc"] if part != "[key]"]
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, ConfigFieldErrors | ConfigFieldError):
            causes = cause.errors if isinstance(cause, ConfigFieldErrors) else [cause]
            errors += [{"field": ".".join([*path, item.field] if item.field else path),
                        "code": item.code, "message": item.message} for item in causes]
            continue
        code, message = _CODES.get(error["type"], error["type"]), error["msg"]
        if error["type"] == "value_error" and cause:
            message = str(cause)
        else:
            message = _pydantic_message(error["type"], error.get("ctx") or {}) or message
        errors.append({"field": ".".join(path), "code": code, "message": message})
    return errors


# Pydantic's messages for the errors a block form can produce, in the active language
# (the English msgids are pydantic's own words). Other types keep pydantic's English.
_MESSAGES = {
    "missing": gettext_noop("Field required"),
    "extra_forbidden": gettext_noop("Extra inputs are not permitted"),
    "string_type": gettext_noop("Input should be a valid string"),
    "int_type": gettext_noop("Input should be a valid integer"),
    "int_parsing": gettext_noop("Input should be a valid integer, unable to parse string as "
                                "an integer"),
    "int_from_float": gettext_noop("Input should be a valid integer, got a number with a "
                                   "fractional part"),
    "float_type": gettext_noop("Input should be a valid number"),
    "float_parsing": gettext_noop("Input should be a valid number, unable to parse string as "
                                  "a number"),
    "bool_type": gettext_noop("Input should be a valid boolean"),
    "bool_parsing": gettext_noop("Input should be a valid boolean, unable to interpret input"),
    "dict_type": gettext_noop("Input should be a valid dictionary"),
    "list_type": gettext_noop("Input should be a valid list"),
    "greater_than": gettext_noop("Input should be greater than %(gt)s"),
    "greater_than_equal": gettext_noop("Input should be greater than or equal to %(ge)s"),
    "less_than": gettext_noop("Input should be less than %(lt)s"),
    "less_than_equal": gettext_noop("Input should be less than or equal to %(le)s"),
    "multiple_of": gettext_noop("Input should be a multiple of %(multiple_of)s"),
    "literal_error": gettext_noop("Input should be %(expected)s"),
    "enum": gettext_noop("Input should be %(expected)s"),
}


def _pydantic_message(kind: str, ctx: Mapping[str, Any]) -> str | None:
    if kind in ("string_too_short", "string_too_long"):
        count = ctx["min_length"] if kind == "string_too_short" else ctx["max_length"]
        text = ngettext("String should have at least %(count)s character",
                        "String should have at least %(count)s characters", count) \
            if kind == "string_too_short" else \
            ngettext("String should have at most %(count)s character",
                     "String should have at most %(count)s characters", count)
        return text % {"count": count}
    if kind in ("too_short", "too_long") and ctx.get("field_type") == "List":
        count = ctx["min_length"] if kind == "too_short" else ctx["max_length"]
        text = ngettext("List should have at least %(count)s item after validation, not "
                        "%(actual)s",
                        "List should have at least %(count)s items after validation, not "
                        "%(actual)s", count) if kind == "too_short" else \
            ngettext("List should have at most %(count)s item after validation, not "
                     "%(actual)s",
                     "List should have at most %(count)s items after validation, not "
                     "%(actual)s", count)
        return text % {"count": count, "actual": ctx.get("actual_length")}
    if kind not in _MESSAGES:
        return None
    values = {key: str(value) for key, value in ctx.items()}
    if "expected" in values:  # "'html' or 'text'": pydantic's English "or"
        word = _("or")
        values["expected"] = values["expected"].replace("' or '", f"' {word} '")
    try:
        return _(_MESSAGES[kind]) % values
    except (KeyError, ValueError, TypeError):
        return None


def block_config_validate(block_type: str, config: Any, version: int | None = None
                          ) -> tuple[BlockConfig | None, list[ConfigError]]:
    """Validate a node's config against the block at `version` (the latest when None):
    (the frozen config model, []) or (None, errors)."""
    spec = block_find(block_type, version)
    if spec is None:
        if version is not None and block_find(block_type) is not None:
            return None, [{"field": "", "code": "unknown_version",
                           "message": _("block type %(type)r has no version %(version)s")
                           % {"type": block_type, "version": version}}]
        return None, [{"field": "", "code": "unknown_type",
                       "message": _("unknown block type %(type)r") % {"type": block_type}}]
    if not isinstance(config, Mapping):
        return None, [{"field": "", "code": "invalid_type",
                       "message": _("config is an object")}]
    try:
        return spec.config_model.model_validate(dict(config)), []
    except ValidationError as exc:
        return None, _config_errors(exc)


def block_templates(block_type: str, config: BlockConfig, version: int | None = None
                    ) -> list[tuple[str, str]]:
    """(dotted field, template text) for each Liquid template in a valid config, with
    "name.*" expanded over the mapping's keys (and "variants.*.body" over each variant);
    non-text values are skipped."""
    return template_paths(block_get(block_type, version).template_fields, config.model_dump())


def block_config_warnings(block_type: str, config: BlockConfig, version: int | None = None
                          ) -> list[ConfigError]:
    """Issues of a valid config that graph validation reports: template variables that
    no run provides (errors there) and old names of variables (warnings)."""
    warnings: list[ConfigError] = []
    for field, text in block_templates(block_type, config, version):
        for issue in block_host().template_check(text):
            if issue["code"] in ("unknown_variable", "renamed_variable"):
                where = f"line {issue['line']}, column {issue['column']}: "
                warnings.append({"field": field, "code": issue["code"],
                                 "message": where + issue["message"]})
    return warnings


def block_ports(block_type: str, config: BlockConfig | None, version: int | None = None
                ) -> list[str]:
    """The output ports of a node: fixed, or derived from its (valid) config."""
    return block_get(block_type, version).output_ports(config)


# --- Schemas for the canvas -----------------------------------------------------------------


def _inline_refs(node: Any, definitions: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = definitions[node["$ref"].rsplit("/", 1)[-1]]
            rest = {key: value for key, value in node.items() if key != "$ref"}
            return _inline_refs({**target, **rest}, definitions)
        return {key: _inline_refs(value, definitions) for key, value in node.items()
                if key != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(item, definitions) for item in node]
    return node


def _collapse_nullable(node: Any) -> Any:
    """`anyOf: [X, null]` → X: the form shows one input; an empty one means null."""
    if isinstance(node, dict):
        node = {key: _collapse_nullable(value) for key, value in node.items()}
        options = node.get("anyOf")
        if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
            (inner,) = [option for option in options if option != {"type": "null"}]
            rest = {key: value for key, value in node.items()
                    if key != "anyOf" and not (key == "default" and value is None)}
            return {**inner, **rest}
        return node
    if isinstance(node, list):
        return [_collapse_nullable(item) for item in node]
    return node


@cache
def _schema(block_type: str, version: int | None) -> str:
    spec = block_get(block_type, version)
    raw = spec.config_model.model_json_schema()
    schema = _collapse_nullable(_inline_refs(raw, raw.get("$defs", {})))
    schema["title"] = spec.label
    schema["description"] = spec.description
    return json.dumps(schema)  # keeps the model's field order: the form's order


def block_schema(block_type: str, version: int | None = None) -> dict[str, Any]:
    """The config's JSON Schema for @rjsf: refs inlined, nullable fields collapsed,
    properties in the config model's order."""
    schema: dict[str, Any] = json.loads(_schema(block_type, version))
    return schema


def _ui_for(annotation: Any, metadata: Iterable[Any]) -> dict[str, Any]:
    for item in metadata:
        if isinstance(item, Widget):
            return {item.kind: item.name}
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _ui_for(args[0], annotation.__metadata__)
    if origin in (Union, types.UnionType):
        for arg in args:
            found = _ui_for(arg, ())
            if found:
                return found
        return {}
    if origin is list and args:
        inner = _ui_for(args[0], ())
        return {"items": inner} if inner else {}
    if origin is dict and len(args) == 2:
        inner = _ui_for(args[1], ())
        return {"additionalProperties": inner} if inner else {}
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return _ui_for_model(annotation)
    return {}


def _ui_for_model(model: type[BaseModel]) -> dict[str, Any]:
    ui: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        found = _ui_for(info.annotation, info.metadata)
        if found:
            ui[name] = found
    return ui


@cache
def _ui_schema(block_type: str, version: int | None) -> str:
    model = block_get(block_type, version).config_model
    return json.dumps({**_ui_for_model(model), "ui:order": list(model.model_fields)})


def block_ui_schema(block_type: str, version: int | None = None) -> dict[str, Any]:
    """@rjsf uiSchema: custom editors for templates, conditions, segments, time zones,
    and the field order."""
    ui: dict[str, Any] = json.loads(_ui_schema(block_type, version))
    return ui


# --- The catalog ----------------------------------------------------------------------------

CatalogProvider = Callable[[], Iterable[Mapping[str, Any]]]
CATALOG_PROVIDERS: list[CatalogProvider] = []


def catalog_provider_register(provider: CatalogProvider) -> None:
    """Add entries from another app (reusable block templates) to the catalog.
    Call it from AppConfig.ready(); registering the same function twice is a no-op."""
    if provider not in CATALOG_PROVIDERS:
        CATALOG_PROVIDERS.append(provider)


def _ports_entry(spec: BlockSpec) -> tuple[list[str], dict[str, Any] | None]:
    if isinstance(spec.ports, DynamicPorts):
        return [], spec.ports.describe()
    if callable(spec.ports):  # pragma: no cover - every core block declares its rule
        raise TypeError(f"{spec.type}: describe computed ports with DynamicPorts")
    return list(spec.ports), None


def catalog_key(block_type: str, version: int) -> str:
    """The catalog key of a core block: its type for the latest version, "type@version"
    for an older one (the canvas draws old nodes of drafts and published versions)."""
    return block_type if block_latest_version(block_type) == version \
        else f"{block_type}@{version}"


def catalog_entry_english(spec: BlockSpec) -> dict[str, Any]:
    """One palette entry with the block module's own (English) texts."""
    ports, dynamic = _ports_entry(spec)
    example, errors = block_config_validate(spec.type, spec.example, spec.version)
    latest = block_latest_version(spec.type)
    return {
        "key": catalog_key(spec.type, spec.version),
        "source": "package" if block_package(spec.type) else "core",
        "package": block_package(spec.type),
        "type": spec.type,
        "version": spec.version,
        "latest_version": latest if latest is not None else spec.version,
        "category": spec.category.value,
        "group": spec.group or DEFAULT_GROUPS[spec.category],
        "label": spec.label,
        "description": spec.description,
        "icon": spec.icon,
        "config_schema": block_schema(spec.type, spec.version),
        "ui_schema": block_ui_schema(spec.type, spec.version),
        "ports": ports,
        "dynamic_ports": dynamic,
        "example_ports": spec.output_ports(example) if not errors else [],
        "template_fields": list(spec.template_fields),
        "trigger": spec.trigger.describe() if spec.trigger is not None else None,
        "example_config": copy.deepcopy(dict(spec.example)),
        "template": None,
        "summary": [_summary_line(line) for line in spec.summary],
        "channel": spec.channel,
        "awaits": spec.awaits,
        "changes": spec.changes,
    }


def _summary_line(line: SummaryLine) -> dict[str, Any]:
    """A summary line for the canvas, in English (entry_translate translates it)."""
    return {
        "text": line.text,
        "parts": list(line.parts),
        "when": [when.describe() for when in line.when],
        "count": line.count,
        # CLDR plural category -> text (Intl.PluralRules picks one in the browser).
        "forms": plural_forms(line.text, line.plural, "en") if line.plural else None,
        "values": dict(line.values),
    }


def catalog_entry(spec: BlockSpec) -> dict[str, Any]:
    """One palette entry in the active language. Providers start from the entry of their
    base block."""
    return entry_translate(catalog_entry_english(spec), own=_own_texts(spec))


def _own_texts(spec: BlockSpec, language: str | None = None) -> Mapping[str, str]:
    return spec.translations.get(block_language(language), {})


@cache
def _core_catalog(language: str) -> str:
    return json.dumps([entry_translate(catalog_entry_english(spec), language,
                                       own=_own_texts(spec, language))
                       for spec in blocks_every_version()])


def catalog() -> list[dict[str, Any]]:
    """Every block (core blocks' latest versions in palette order, the package blocks,
    then the older versions, which the palette hides: `version < latest_version`), then
    the providers' entries, in a stable order; the texts in the active language (built
    once per language)."""
    entries: list[dict[str, Any]] = json.loads(_core_catalog(block_language()))
    for provider in CATALOG_PROVIDERS:
        entries += [dict(entry) for entry in provider()]
    return entries
