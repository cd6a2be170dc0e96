"""The starter workflows of the retention playbook, shipped as portable JSON (one file
each, the export format of portable.py) and loaded by `manage.py load_starters`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apps.workflows.models import Workflow, WorkflowState

STARTERS_DIR = Path(__file__).resolve().parent


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
