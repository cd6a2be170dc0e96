"""Reusable blocks for ops teams: a core block with preset, locked and exposed fields,
versioned draft -> published -> deprecated. Workflows pin a published version
(`template: {id, version}` on the node); published versions join the palette.

Only a draft version changes; publishing freezes it. A new version starts as a draft
copy of the newest one.

A template version's preset is written for one version of its base block
(`base_version`, the latest when the template is created); nodes made from it use that
block version, so a breaking change to the block does not break the template."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_fsm import TransitionNotAllowed

from apps.workflows.errors import InputInvalid, NotEditable, transition_refused
from apps.workflows.models import (
    BlockTemplate,
    BlockTemplateState,
    BlockTemplateVersion,
)
from blocks.registry import block_config_validate, block_find, block_latest_version

PALETTE_GROUP = gettext_noop("Team blocks")
User = Any


def block_template_definition_check(base_type: str, preset: Any, locked: Any,
                                    exposed: Any, base_version: int | None = None
                                    ) -> list[dict[str, str]]:
    """The preset must be valid for the block at `base_version` (the latest when None;
    missing required fields are fine: a node fills them in), and locked/exposed fields
    must be the block's config fields."""
    spec = block_find(base_type, base_version)
    if spec is None:
        return [{"field": "base_type", "code": "unknown_block_type",
                 "message": f"no block type {base_type!r}"}]
    fields = set(spec.config_model.model_fields)
    errors = []
    if not isinstance(preset, Mapping):
        return [{"field": "preset", "code": "type_error", "message": "expected an object"}]
    for key in preset:
        if key not in fields:
            errors.append({"field": f"preset.{key}", "code": "unknown_field",
                           "message": f"{base_type} has no config field {key!r}"})
    if not errors:
        _, config_errors = block_config_validate(base_type, dict(preset), spec.version)
        for error in config_errors:
            top = str(error.get("field") or "").split(".")[0]
            if error.get("code") in {"missing", "required"} and top not in preset:
                continue
            errors.append({"field": f"preset.{error.get('field')}".rstrip("."),
                           "code": str(error.get("code")), "message": str(error.get("message"))})
    for index, name in enumerate(locked):
        if name not in fields:
            errors.append({"field": f"locked_fields.{index}", "code": "unknown_field",
                           "message": f"{base_type} has no config field {name!r}"})
        elif name not in preset:
            errors.append({"field": f"locked_fields.{index}", "code": "not_preset",
                           "message": f"give {name!r} a preset value to lock it"})
    for index, item in enumerate(exposed):
        name = item.get("field")
        if name not in fields:
            errors.append({"field": f"exposed_fields.{index}.field", "code": "unknown_field",
                           "message": f"{base_type} has no config field {name!r}"})
        elif name in locked:
            errors.append({"field": f"exposed_fields.{index}.field", "code": "locked",
                           "message": f"{name!r} is locked; a locked field cannot be exposed"})
    return errors


def _raise_if(errors: list[dict[str, str]]) -> None:
    if errors:
        raise InputInvalid("Invalid input.", errors)


def block_template_create(*, name: str, base_type: str, description: str = "", icon: str = "",
                          preset: Mapping[str, Any] | None = None,
                          locked_fields: list[str] | None = None,
                          exposed_fields: list[dict[str, str]] | None = None,
                          user: User = None) -> BlockTemplate:
    preset, locked, exposed = dict(preset or {}), list(locked_fields or []), \
        list(exposed_fields or [])
    _raise_if(block_template_definition_check(base_type, preset, locked, exposed))
    try:
        with transaction.atomic():
            template = BlockTemplate.objects.create(
                name=name, base_type=base_type, description=description, icon=icon,
                created_by=user)
            BlockTemplateVersion.objects.create(
                template=template, number=1, preset=preset, locked_fields=locked,
                exposed_fields=exposed, base_version=block_latest_version(base_type) or 1,
                created_by=user)
    except IntegrityError as exc:
        raise InputInvalid("Invalid input.", [{"field": "name", "code": "unique",
                                               "message": "a block template with this name "
                                               "exists"}]) from exc
    return template


def _latest(template_id: int) -> BlockTemplateVersion:
    """The newest version, read after locking the template row: every change to a
    template's versions takes that lock first, so two of them cannot interleave."""
    BlockTemplate.objects.select_for_update().get(pk=template_id)
    return BlockTemplateVersion.objects.filter(template_id=template_id) \
        .order_by("-number").first()  # type: ignore[return-value]


def block_template_update(template: BlockTemplate, changes: Mapping[str, Any]) -> BlockTemplate:
    """Name, description and icon change any time; the definition only on a draft."""
    if "base_type" in changes and changes["base_type"] != template.base_type:
        raise InputInvalid("Invalid input.", [{"field": "base_type", "code": "read_only",
                                               "message": "the base block cannot change; "
                                               "create a new template"}])
    definition = {"preset", "locked_fields", "exposed_fields"} & set(changes)
    try:
        with transaction.atomic():
            latest = _latest(template.pk)
            if definition:
                if latest.state != BlockTemplateState.DRAFT:
                    raise NotEditable(
                        f"Version {latest.number} is {latest.state}; create a new version to "
                        "change preset, locked or exposed fields.",
                        [{"field": sorted(definition)[0], "code": "not_draft",
                          "message": "only a draft version can change"}], state=latest.state)
                preset = changes.get("preset", latest.preset)
                locked = changes.get("locked_fields", latest.locked_fields)
                exposed = changes.get("exposed_fields", latest.exposed_fields)
                _raise_if(block_template_definition_check(template.base_type, preset, locked,
                                                          exposed, latest.base_version))
                latest.preset, latest.locked_fields, latest.exposed_fields = \
                    dict(preset), list(locked), list(exposed)
                latest.save()
            for key in ("name", "description", "icon"):
                if key in changes:
                    setattr(template, key, changes[key])
            template.save()
    except IntegrityError as exc:
        raise InputInvalid("Invalid input.", [{"field": "name", "code": "unique",
                                               "message": "a block template with this name "
                                               "exists"}]) from exc
    return template


def block_template_delete(template: BlockTemplate) -> None:
    """Only a template that was never published; published ones are deprecated."""
    with transaction.atomic():
        _latest(template.pk)
        if template.versions.exclude(state=BlockTemplateState.DRAFT).exists():
            raise NotEditable("This block template has been published; deprecate it instead.",
                              [{"field": "state", "code": "published",
                                "message": "deprecate instead of deleting"}])
        template.delete()


def block_template_publish(template: BlockTemplate, *, user: User) -> BlockTemplateVersion:
    with transaction.atomic():
        latest = _latest(template.pk)
        try:
            latest.publish()
        except TransitionNotAllowed as exc:
            raise transition_refused(f"version {latest.number}", "publish", latest.state) \
                from exc
        latest.published_at, latest.published_by = timezone.now(), user
        latest.save()
    return latest


def block_template_deprecate(template: BlockTemplate) -> list[BlockTemplateVersion]:
    """Every published version leaves the palette; pinned workflows keep working and
    their validation warns."""
    with transaction.atomic():
        latest = _latest(template.pk)
        published = list(BlockTemplateVersion.objects
                         .filter(template=template, state=BlockTemplateState.PUBLISHED))
        if not published:
            raise transition_refused("this block template", "deprecate", latest.state)
        for version in published:
            version.deprecate()
            version.save()
    return published


def block_template_version_new(template: BlockTemplate, *, user: User) -> BlockTemplateVersion:
    """A new draft version, a copy of the newest one. Refused while a draft is open."""
    with transaction.atomic():
        latest = _latest(template.pk)
        if latest.state == BlockTemplateState.DRAFT:
            raise NotEditable(f"Version {latest.number} is still a draft; edit or publish it.",
                              [{"field": "state", "code": "draft_open",
                                "message": "a draft version already exists"}],
                              state=latest.state)
        number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        return BlockTemplateVersion.objects.create(
            template=template, number=number, preset=latest.preset,
            locked_fields=latest.locked_fields, exposed_fields=latest.exposed_fields,
            base_version=latest.base_version, created_by=user)


def block_templates_with_versions():
    return BlockTemplate.objects.prefetch_related(
        Prefetch("versions", queryset=BlockTemplateVersion.objects.order_by("-number")))


def _template_schema(base: Mapping[str, Any], preset: Mapping[str, Any], locked: list[str],
                     exposed: list[Mapping[str, str]]) -> dict[str, Any]:
    """The base block's form, narrowed to the template: locked fields are gone, preset
    values are the defaults (so they are no longer required), exposed fields carry the
    template's labels and help and come first; with exposed fields, only they are shown."""
    schema = copy.deepcopy(dict(base))
    properties: dict[str, Any] = schema.get("properties", {})
    shown = [item["field"] for item in exposed] or [k for k in properties if k not in locked]
    for item in exposed:
        prop = properties.get(item["field"])
        if prop is not None:
            if item.get("label"):
                prop["title"] = item["label"]
            if item.get("help"):
                prop["description"] = item["help"]
    for name, value in preset.items():
        if name in properties:
            properties[name]["default"] = value
    schema["properties"] = {k: properties[k] for k in shown if k in properties}
    schema["required"] = [k for k in schema.get("required", [])
                          if k in schema["properties"] and k not in preset]
    if not schema["required"]:
        schema.pop("required")
    return schema


def block_templates_catalog() -> list[dict[str, Any]]:
    """Catalog entries (blocks registry hook) for the newest published version of each
    template, grouped as "Team blocks". A node made from one is
    {"type": base_type, "template": {"id", "version"}, "config": {values it sets}}."""
    from blocks.registry import block_ports, catalog_entry

    entries = []
    for item in block_templates_palette():
        spec = block_find(item["base_type"], item["base_version"])
        if spec is None:
            continue
        base = catalog_entry(spec)
        effective, errors = block_config_validate(spec.type, dict(item["preset"]),
                                                  spec.version)
        schema = _template_schema(base["config_schema"], item["preset"], item["locked_fields"],
                                  item["exposed_fields"])
        entries.append({
            **base,
            "key": f"template:{item['id']}@{item['version']}",
            "source": "template",
            "group": _(PALETTE_GROUP),
            "label": item["name"],
            "description": item["description"] or base["description"],
            "icon": item["icon"] or base["icon"],
            "config_schema": schema,
            "ui_schema": {k: v for k, v in base["ui_schema"].items()
                          if k in schema["properties"]},
            "example_ports": block_ports(spec.type, effective, spec.version)
            if not errors else [],
            "example_config": {},
            "template": {"id": item["id"], "version": item["version"],
                         "preset": item["preset"], "locked_fields": item["locked_fields"],
                         "exposed_fields": item["exposed_fields"]},
        })
    return entries


def block_templates_palette() -> list[dict[str, Any]]:
    """The newest published version of each template, as palette entries (see the blocks
    catalog hook). A node made from one is
    {"type": base_type, "template": {"id", "version"}, "config": {exposed values}}."""
    entries = []
    for template in block_templates_with_versions():
        published = [v for v in template.versions.all()
                     if v.state == BlockTemplateState.PUBLISHED]
        if not published:
            continue
        version = published[0]
        entries.append({
            "id": template.pk,
            "version": version.number,
            "name": template.name,
            "description": template.description,
            "base_type": template.base_type,
            "base_version": version.base_version,
            "icon": template.icon,
            "group": _(PALETTE_GROUP),
            "preset": version.preset,
            "locked_fields": version.locked_fields,
            "exposed_fields": version.exposed_fields,
        })
    return entries
