"""Workflows as portable JSON: export one, import it here or on another Keepflow.

    {"format": "keepflow.workflow", "format_version": 1, "schema_version": 1,
     "name": "...", "description": "...", "graph": {...}, "settings": {...},
     "test_cases": [{"name", "given", "expect"}]}

No database ids, users, secrets or states travel. Nodes that use a block template keep
their `template: {id, version}` reference; on another installation it must exist there
(validation says so if not). The starter templates in starters/ use this format."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from apps.workflows.errors import InputInvalid
from apps.workflows.models import GRAPH_SCHEMA_VERSION, Workflow, WorkflowTestCase
from apps.workflows.services import workflow_create
from apps.workflows.testing import test_case_input_check
from apps.workflows.validation import ValidationResult

FORMAT = "keepflow.workflow"
FORMAT_VERSION = 1


def workflow_export(workflow: Workflow) -> dict[str, Any]:
    """The draft (what the canvas shows) with its test cases."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": workflow.draft_graph.get("schema_version", GRAPH_SCHEMA_VERSION),
        "name": workflow.name,
        "description": workflow.description,
        "graph": workflow.draft_graph,
        "settings": workflow.draft_settings,
        "test_cases": [{"name": case.name, "given": case.given, "expect": case.expect}
                       for case in workflow.test_cases.order_by("id")],
    }


def workflow_import(document: Mapping[str, Any], *, user: Any = None, starter_key: str = ""
                    ) -> tuple[Workflow, ValidationResult]:
    """Create a draft from an export. The shape, settings and test cases must be right
    (400 naming the field); graph rule violations come back as validation info."""
    cases = list(document.get("test_cases") or [])
    errors, checked, names = [], [], set()
    for index, case in enumerate(cases):
        if case["name"] in names:
            errors.append({"field": f"test_cases.{index}.name", "code": "unique",
                           "message": "two test cases have this name"})
        names.add(case["name"])
        try:
            checked.append((case["name"], *test_case_input_check(case["given"], case["expect"])))
        except InputInvalid as exc:
            errors += [{**e, "field": f"test_cases.{index}.{e['field']}"} for e in exc.errors]
    if errors:
        raise InputInvalid("Invalid input.", errors)
    with transaction.atomic():
        workflow, validation = workflow_create(
            name=document["name"], description=document.get("description", ""),
            graph=document["graph"], settings=document.get("settings"), user=user,
            starter_key=starter_key,
        )
        WorkflowTestCase.objects.bulk_create(
            WorkflowTestCase(workflow=workflow, name=name, given=given, expect=expect,
                             created_by=user)
            for name, given, expect in checked
        )
    return workflow, validation
