"""The starter workflows of the retention playbook, shipped as portable JSON (one file
each, the export format of portable.py): a gallery a person starts a draft from on the
Workflows page, and `manage.py load_starters` for scripts and the demo.

The files stay in English; the gallery shows their name, description and block labels in
the reader's language from the `starters` gettext domain (English text = msgid,
locale/<language>/LC_MESSAGES/starters.po, kept by hand)."""

from __future__ import annotations

import gettext
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from apps.workflows.models import Workflow, WorkflowState
from blocks.i18n import block_language, locale_dir

STARTERS_DIR = Path(__file__).resolve().parent
DOMAIN = "starters"


@cache
def _translations(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, locale_dir(), languages=[language], fallback=True)


def starter_text(text: str) -> str:
    """A starter's English text in the active language (itself if untranslated)."""
    return _translations(block_language()).gettext(text) if text else text


def starter_texts(document: dict[str, Any]) -> list[str]:
    """The texts of a starter the gallery shows: name, description, its blocks' labels."""
    labels = [str(n["label"]) for n in document["graph"]["nodes"] if n.get("label")]
    return [t for t in (document["name"], document.get("description", ""), *labels) if t]


def starter_documents() -> dict[str, dict[str, Any]]:
    """{key: document}; the key is the file name without .json."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(STARTERS_DIR.glob("*.json"))}


@dataclass(frozen=True)
class StarterLoaded:
    key: str
    workflow: Workflow
    created: bool
    published: bool


def starters_load(*, publish: bool = False, user: Any = None) -> list[StarterLoaded]:
    """Import each starter once (found again by its key, so a second call changes
    nothing) and, with `publish`, publish the ones still in draft."""
    from apps.workflows.portable import workflow_import
    from apps.workflows.services import workflow_publish

    loaded = []
    for key, document in starter_documents().items():
        workflow = Workflow.objects.filter(starter_key=key).first()
        created = workflow is None
        if workflow is None:
            workflow, _ = workflow_import(document, user=user, starter_key=key)
        published = False
        if publish and workflow.state == WorkflowState.DRAFT:
            workflow = workflow_publish(workflow.pk, user=user,
                                        note="Starter template from the retention playbook")
            published = True
        loaded.append(StarterLoaded(key, workflow, created, published))
    return loaded


@dataclass(frozen=True)
class Starter:
    key: str
    name: str
    description: str
    steps: list[str]  # block titles in graph order: what it does, at a glance
    used_by: int | None  # the newest workflow started from it, if any


def starters_list() -> list[Starter]:
    """The gallery: every starter with the newest workflow made from it (one query)."""
    from apps.workflows.titles import node_title

    newest: dict[str, int] = {}
    for key, pk in Workflow.objects.exclude(starter_key="").exclude(
            state=WorkflowState.ARCHIVED).order_by("id").values_list("starter_key", "id"):
        newest[key] = pk
    return [Starter(key, starter_text(document["name"]),
                    starter_text(document.get("description", "")),
                    [starter_text(n["label"]) if n.get("label") else node_title(n)
                     for n in document["graph"]["nodes"]], newest.get(key))
            for key, document in starter_documents().items()]


def _in_active_language(document: dict[str, Any]) -> dict[str, Any]:
    """The starter with its name, description and block labels in the reader's language,
    so a German user's draft reads German on the canvas. Message texts keep their
    default and their per-language variants: customers read those."""
    graph = document["graph"]
    nodes = [{**node, "label": starter_text(node["label"])} if node.get("label") else node
             for node in graph["nodes"]]
    return {**document, "name": starter_text(document["name"]),
            "description": starter_text(document.get("description", "")),
            "graph": {**graph, "nodes": nodes}}


def starter_use(key: str, *, user: Any = None) -> tuple[Workflow, Any]:
    """A new draft from a starter, in the reader's language: each use is a copy of its own
    to adapt, numbered by name ("VIP reward (2)"). The first copy carries the starter's
    key, so `load_starters` does not add the same starter again. KeyError for an unknown
    key."""
    from apps.workflows.portable import workflow_import

    document = _in_active_language(starter_documents()[key])
    taken = set(Workflow.objects.filter(name__startswith=document["name"])
                .values_list("name", flat=True))
    number = 2
    name = document["name"]
    while name in taken:
        name, number = f"{document['name']} ({number})", number + 1
    document["name"] = name
    try:
        with transaction.atomic():
            return workflow_import(document, user=user, starter_key=key)
    except IntegrityError:  # the key is taken (unique): this copy goes without it
        return workflow_import(document, user=user)
