"""Block packages: blocks that ops teams ship in their own Python package.

A package declares entry points in the group `keepflow.blocks`; each one loads a
`BlockSpec` or a list of them (see examples/keepflow-blocks-example). The registry loads
them once per process, after the core blocks (`packages_load`). A package's block must
keep the same contract as a core block (`spec_problems`); a block that breaks it, or whose
type another block already has, is refused with a log line that names the package and
the reason, and the rest of the site goes on without it.

Block packages import the contract (`blocks.base`) and the shared field types
(`blocks.fields`, `blocks.rendering`, ...), never `blocks.registry`: they are loaded while
the registry is being built.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from pydantic import ValidationError

from blocks.base import BlockConfig, BlockSpec, Category, DynamicPorts, TriggerKind

logger = logging.getLogger(__name__)

GROUP = "keepflow.blocks"
TYPE_PATTERN = re.compile(r"^(trigger|flow|action)\.[a-z][a-z0-9_]{0,62}$")
SCAN_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
ENGINE_KINDS = frozenset({"event", "goal", "webhook", "manual"})  # the trigger index's own
MAX_DESCRIPTION = 100


@dataclass(frozen=True)
class PackageBlock:
    spec: BlockSpec
    package: str  # the distribution that ships it, e.g. "keepflow-blocks-example"


def spec_problems(spec: Any, *, taken: Mapping[str, Any], scans: Iterable[str] = ()
                  ) -> list[str]:
    """Why this object is not a block the registry can take ([] when it is): the checks
    of tests/blocks/test_registry.py that can run without the block's own tests."""
    if not isinstance(spec, BlockSpec):
        return [f"{spec!r} is not a BlockSpec"]
    problems: list[str] = []
    if not TYPE_PATTERN.match(spec.type):
        problems.append(f"type {spec.type!r} is not <category>.<name> (lower case)")
    elif spec.type in taken:
        problems.append(f"type {spec.type!r} is already taken")
    if spec.type.split(".")[0] != getattr(spec.category, "value", None):
        problems.append(f"category {spec.category!r} does not match the type")
    if not isinstance(spec.version, int) or spec.version < 1:
        problems.append("version must be an integer >= 1")
    for name in ("label", "description", "icon"):
        if not isinstance(getattr(spec, name), str) or not getattr(spec, name).strip():
            problems.append(f"{name} is empty")
    if len(spec.description) > MAX_DESCRIPTION:
        problems.append(f"description is longer than {MAX_DESCRIPTION} characters")
    if not (isinstance(spec.config_model, type) and issubclass(spec.config_model, BlockConfig)):
        problems.append("config_model is not a BlockConfig subclass")
        return problems
    if not callable(spec.run):
        problems.append("run is not callable")
    if callable(spec.ports) and not isinstance(spec.ports, DynamicPorts):
        problems.append("computed ports must be DynamicPorts (the canvas derives them)")
    problems += _schema_problems(spec)
    problems += _example_problems(spec)
    problems += _trigger_problems(spec, set(scans))
    return problems


def _schema_problems(spec: BlockSpec) -> list[str]:
    try:
        schema = spec.config_model.model_json_schema()
        json.dumps(schema)
    except Exception as exc:  # any failure means the form cannot be built
        return [f"config schema cannot be generated: {exc}"]
    untitled = [name for name, prop in (schema.get("properties") or {}).items()
                if not (isinstance(prop, dict) and prop.get("title"))]
    return [f"config field {name!r} has no title" for name in untitled]


def _example_problems(spec: BlockSpec) -> list[str]:
    try:
        config = spec.config_model.model_validate(dict(spec.example))
    except ValidationError as exc:
        return [f"example config is invalid: {exc.errors(include_url=False)}"]
    ports = spec.output_ports(config)
    if len(ports) != len(set(ports)):
        return ["the example's ports repeat"]
    for field in spec.template_fields:
        if field.split(".")[0] not in spec.config_model.model_fields:
            return [f"template field {field!r} is not a config field"]
    return []


def _trigger_problems(spec: BlockSpec, scans: set[str]) -> list[str]:
    trigger = spec.trigger
    if spec.category != Category.TRIGGER:
        return ["only trigger blocks declare a trigger"] if trigger is not None else []
    if trigger is None:
        return ["a trigger block must declare its trigger (TriggerSpec)"]
    problems: list[str] = []
    if trigger.kind in (TriggerKind.EVENT, TriggerKind.WEBHOOK) and not trigger.event_type(
            spec.config_model.model_validate(dict(spec.example))):
        problems.append(f"listens_to {trigger.listens_to!r} gives no event type for the example")
    if trigger.kind == TriggerKind.WEBHOOK and trigger.receive is None:
        problems.append("a webhook trigger declares `receive`")
    if trigger.kind == TriggerKind.SCAN:
        scan = trigger.scan
        if scan is None:
            problems.append("a scan trigger declares its scan (ScanSpec)")
        elif not SCAN_NAME_PATTERN.match(scan.name) or scan.name in ENGINE_KINDS:
            problems.append(f"scan name {scan.name!r} is not usable")
        elif scan.name in scans:
            problems.append(f"scan name {scan.name!r} is already taken")
    if trigger.audience_segment and trigger.audience_segment not in spec.config_model.model_fields:
        problems.append(f"audience_segment {trigger.audience_segment!r} is not a config field")
    return problems


def scan_names(specs: Iterable[BlockSpec]) -> set[str]:
    return {spec.trigger.scan.name for spec in specs
            if spec.trigger is not None and spec.trigger.scan is not None}


def _package_of(entry_point: EntryPoint) -> str:
    dist = getattr(entry_point, "dist", None)
    return str(getattr(dist, "name", "") or entry_point.module.split(".")[0])


def packages_load(taken: Mapping[str, BlockSpec],
                  found: Callable[[], Iterable[EntryPoint]] | None = None
                  ) -> tuple[PackageBlock, ...]:
    """The blocks of every installed block package that keep the contract, in package and
    entry point order. `taken` holds the blocks already registered (the core blocks)."""
    points = sorted(found() if found is not None else entry_points(group=GROUP),
                    key=lambda point: (_package_of(point), point.name))
    accepted: dict[str, PackageBlock] = {}
    scans = scan_names(taken.values())
    for point in points:
        package = _package_of(point)
        try:
            loaded = point.load()
        except Exception:  # a broken package must not take the site down
            logger.exception("block package %s: entry point %r failed to load; its blocks "
                             "are not available", package, point.name)
            continue
        specs = list(loaded) if isinstance(loaded, list | tuple) else [loaded]
        for spec in specs:
            problems = spec_problems(spec, taken={**taken, **accepted}, scans=scans)
            if problems:
                logger.error("block package %s: block %s refused: %s", package,
                             getattr(spec, "type", repr(spec)), "; ".join(problems))
                continue
            accepted[spec.type] = PackageBlock(spec, package)
            scans |= scan_names([spec])
            logger.debug("block package %s: block %s v%s loaded", package, spec.type,
                        spec.version)
    return tuple(accepted.values())
