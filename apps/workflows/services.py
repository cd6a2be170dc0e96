"""Writes to workflows: create, save the draft, upgrade its blocks, validate, publish,
pause, resume, archive, discard, roll back, and their test cases. Views call these and
nothing else writes.

Each state change locks the workflow row, so two publishers cannot interleave, and
refused transitions become TransitionRefused (409) rather than escaping as errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed

from apps.workflows.credential_use import credential_use_errors
from apps.workflows.errors import (
    GraphInvalid,
    InputInvalid,
    NotEditable,
    StaleRevision,
    TestCasesFailing,
    transition_refused,
)
from apps.workflows.library import graph_resolve, library_for, settings_condition_errors
from apps.workflows.models import (
    Workflow,
    WorkflowState,
    WorkflowTestCase,
    WorkflowVersion,
    graph_empty,
)
from apps.workflows.schemas import graph_structure_check, settings_check
from apps.workflows.upgrades import NodeUpgrade, graph_blocks_upgrade
from apps.workflows.validation import Library, ValidationResult, graph_validate

User = Any  # apps.accounts.models.User (or None for system actions)


# --- input --------------------------------------------------------------------------------


def workflow_input_check(graph: Any = None, settings: Any = None, *, check_graph: bool = True,
                         check_settings: bool = True) -> tuple[Any, Any]:
    """Normalise graph and settings, or raise InputInvalid naming every bad field."""
    errors: list[dict[str, Any]] = []
    graph_out = settings_out = None
    if check_graph:
        graph_out, graph_errors = graph_structure_check(graph)
        errors += graph_errors
    if check_settings:
        settings_out, settings_errors = settings_check(settings)
        errors += settings_errors or settings_condition_errors(settings_out)
    if errors:
        raise InputInvalid("Invalid input.", errors)
    return graph_out, settings_out


def workflow_check(graph: Mapping[str, Any], settings: Mapping[str, Any],
                   library: Library | None = None) -> ValidationResult:
    """All rules over a draft: the graph's (validation.py) and the settings' goal condition."""
    result = graph_validate(graph, library or library_for(graph))
    for error in settings_condition_errors(settings):
        result.errors.append({"node": None, "field": error["field"], "code": error["code"],
                              "message": error["message"], "path": error["field"]})
    return result


def workflow_publish_check(workflow: Workflow, *, principal: Any) -> ValidationResult:
    """What publishing the draft would refuse for this person or key: every rule, and the
    credentials they may not use."""
    graph = workflow.draft_graph
    library = library_for(graph)
    result = workflow_check(graph, workflow.draft_settings, library)
    result.errors += credential_use_errors(graph_resolve(graph, library), principal)
    return result


# --- the draft ----------------------------------------------------------------------------


def workflow_create(*, name: str, description: str = "", graph: Any = None, settings: Any = None,
                    user: User = None, starter_key: str = "") -> tuple[Workflow, ValidationResult]:
    """A new draft. Structure and settings must be right; rule violations are returned
    (the canvas shows them) and only block publishing."""
    graph_out, settings_out = workflow_input_check(
        graph if graph is not None else graph_empty(), settings)
    workflow = Workflow(name=name, description=description, draft_graph=graph_out,
                        draft_settings=settings_out, created_by=user, updated_by=user,
                        starter_key=starter_key)
    workflow.save()
    return workflow, workflow_check(graph_out, settings_out)


def _locked(workflow_id: int) -> Workflow:
    """The workflow row, locked until the transaction ends. No join: after waiting for
    the lock, PostgreSQL re-reads the locked row but not joined rows, so a version
    another transaction just published would look missing. Related rows are read
    afresh, after the lock."""
    return Workflow.objects.select_for_update().get(pk=workflow_id)


def _revision_check(workflow: Workflow, revision: int | None) -> None:
    if revision is not None and revision != workflow.draft_revision:
        raise StaleRevision(
            f"The draft was changed by someone else since you loaded it (you sent revision "
            f"{revision}, the current one is {workflow.draft_revision}). Reload it, re-apply "
            "your change and save again.",
            [{"field": "revision", "code": "stale",
              "message": f"current revision is {workflow.draft_revision}"}],
            current_revision=workflow.draft_revision,
        )


def _editable_check(workflow: Workflow) -> None:
    if workflow.state == WorkflowState.ARCHIVED:
        raise NotEditable("An archived workflow cannot be changed.",
                          [{"field": "state", "code": "archived",
                            "message": "archived workflows are read-only"}],
                          state=workflow.state)


def workflow_save(workflow_id: int, *, revision: int, user: User,
                  changes: Mapping[str, Any]) -> tuple[Workflow, ValidationResult]:
    """Save the draft if `revision` is still current (optimistic concurrency), else 409.

    `changes` may hold name, description, graph and settings; absent keys stay as they
    are. A published workflow keeps running its published version meanwhile."""
    graph_out, settings_out = workflow_input_check(
        changes.get("graph"), changes.get("settings"),
        check_graph="graph" in changes, check_settings="settings" in changes)
    with transaction.atomic():
        workflow = _locked(workflow_id)
        _editable_check(workflow)
        _revision_check(workflow, revision)
        if "name" in changes:
            workflow.name = changes["name"]
        if "description" in changes:
            workflow.description = changes["description"]
        if graph_out is not None:
            workflow.draft_graph = graph_out
        if settings_out is not None:
            workflow.draft_settings = settings_out
        workflow.draft_revision += 1
        workflow.updated_by = user
        workflow.save()
    return workflow, workflow_check(workflow.draft_graph, workflow.draft_settings)


def workflow_blocks_upgrade(workflow_id: int, *, revision: int, user: User,
                            node_ids: list[str] | None = None
                            ) -> tuple[Workflow, ValidationResult, list[NodeUpgrade]]:
    """Bring the draft's nodes (all, or those of `node_ids`) to the latest version of
    their blocks, converting their settings (apps/workflows/upgrades.py). Like a save: the
    revision must be current (else 409) and goes up when anything changed. Published
    versions are never touched; they run on their block versions until the next publish."""
    with transaction.atomic():
        workflow = _locked(workflow_id)
        _editable_check(workflow)
        _revision_check(workflow, revision)
        known = {node.get("id") for node in workflow.draft_graph.get("nodes") or []}
        unknown = [node_id for node_id in node_ids or () if node_id not in known]
        if unknown:
            raise InputInvalid("Invalid input.", [
                {"field": "nodes", "code": "unknown_node",
                 "message": f"the draft has no node {node_id!r}"} for node_id in unknown])
        graph, upgraded = graph_blocks_upgrade(workflow.draft_graph, node_ids)
        if upgraded:
            graph_out, _settings = workflow_input_check(graph, check_settings=False)
            workflow.draft_graph = graph_out
            workflow.draft_revision += 1
            workflow.updated_by = user
            workflow.save()
    return workflow, workflow_check(workflow.draft_graph, workflow.draft_settings), upgraded


def workflow_delete(workflow_id: int) -> None:
    """Only a never-published draft may be deleted; anything with history is archived."""
    with transaction.atomic():
        workflow = _locked(workflow_id)
        if workflow.versions.exists():
            raise NotEditable("This workflow has published versions; archive it instead.",
                              [{"field": "state", "code": "has_versions",
                                "message": "archive instead of deleting"}], state=workflow.state)
        workflow.delete()


def workflow_discard(workflow_id: int, *, user: User) -> Workflow:
    """Throw the draft away: it becomes the published version's graph and settings again."""
    with transaction.atomic():
        workflow = _locked(workflow_id)
        _editable_check(workflow)
        version = workflow.published_version
        if version is None:
            raise NotEditable("This workflow has never been published: there is no version "
                              "to return to.",
                              [{"field": "published_version", "code": "none",
                                "message": "nothing published yet"}], state=workflow.state)
        workflow.draft_graph, workflow.draft_settings = version.graph, version.settings
        workflow.draft_revision += 1
        workflow.updated_by = user
        workflow.save()
    return workflow


# --- lifecycle ----------------------------------------------------------------------------


def _publish_errors(result: ValidationResult) -> GraphInvalid:
    count = len(result.errors)
    return GraphInvalid(
        f"The workflow has {count} error{'s' if count != 1 else ''}; fix "
        f"{'them' if count != 1 else 'it'} before publishing.",
        [{"field": e["path"], "code": e["code"], "message": e["message"], "node": e["node"]}
         for e in result.errors],
        warnings=result.warnings,
    )


def _version_create(workflow: Workflow, *, graph: dict[str, Any], resolved: dict[str, Any],
                    settings: dict[str, Any], user: User, note: str) -> WorkflowVersion:
    number = (workflow.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return WorkflowVersion.objects.create(
        workflow=workflow, number=number, graph=graph, resolved_graph=resolved,
        settings=settings, created_by=user, note=note,
    )


def _live_changed(workflow: Workflow) -> None:
    """The engine indexes the triggers of live workflows; keep it in step (same
    transaction, so a rolled-back publish leaves the index as it was)."""
    from apps.engine.triggers import trigger_index_sync

    trigger_index_sync(workflow)


def _do_transition(workflow: Workflow, verb: str) -> None:
    try:
        getattr(workflow, verb)()
    except TransitionNotAllowed as exc:
        raise transition_refused("this workflow", verb, workflow.state) from exc


def workflow_publish(workflow_id: int, *, user: User, revision: int | None = None,
                     note: str = "",
                     test_runner: Callable[..., list[dict[str, Any]]] | None = None,
                     principal: Any = None) -> Workflow:
    """Freeze the draft as a new immutable version and make it the one that runs.

    Refused (400) while the graph has errors, uses a credential `principal` (who asks: a
    User or an API-key principal; defaults to `user`) may not use, or a saved test case
    fails; a stale `revision` is a 409. Publishing an unchanged draft creates no new
    version."""
    from apps.workflows.testing import test_cases_run

    with transaction.atomic():
        workflow = _locked(workflow_id)
        _revision_check(workflow, revision)
        if not can_proceed(workflow.publish):
            raise transition_refused("this workflow", "publish", workflow.state)
        if workflow.published_version is not None and not workflow.has_unpublished_changes:
            return workflow
        graph, settings = workflow.draft_graph, workflow.draft_settings
        result = workflow_publish_check(workflow, principal=principal if principal is not None
                                        else user)
        if result.errors:
            raise _publish_errors(result)
        failing = [r for r in (test_runner or test_cases_run)(workflow, graph=graph)
                   if not r["passed"]]
        if failing:
            raise TestCasesFailing(
                f"{len(failing)} test case{'s' if len(failing) != 1 else ''} "
                f"fail{'s' if len(failing) == 1 else ''}; publishing is refused until they pass.",
                [{"field": f"test_cases.{r['id']}", "code": "test_case_failed",
                  "message": f"{r['name']}: " + "; ".join(d["message"] for d in r["diff"])}
                 for r in failing],
                results=failing,
            )
        version = _version_create(workflow, graph=graph,
                                  resolved=graph_resolve(graph, library_for(graph)),
                                  settings=settings, user=user, note=note)
        _do_transition(workflow, "publish")
        workflow.published_version = version
        workflow.published_at = timezone.now()
        workflow.updated_by = user
        workflow.save()
        _live_changed(workflow)
    return workflow


def workflow_transition(workflow_id: int, verb: str, *, user: User) -> Workflow:
    """pause, resume or archive."""
    if verb not in {"pause", "resume", "archive"}:
        raise ValueError(verb)
    with transaction.atomic():
        workflow = _locked(workflow_id)
        _do_transition(workflow, verb)
        workflow.updated_by = user
        workflow.save()
        _live_changed(workflow)
    return workflow


def workflow_rollback(workflow_id: int, number: int, *, user: User, note: str = "",
                      principal: Any = None) -> Workflow:
    """Publish a copy of an old version as a new version; the draft becomes that copy too.

    The old graph is validated again (blocks may have changed since); saved test cases are
    not run, since they describe the behaviour being rolled back from."""
    with transaction.atomic():
        workflow = _locked(workflow_id)
        old = workflow.versions.get(number=number)
        if workflow.state not in {WorkflowState.PUBLISHED, WorkflowState.PAUSED}:
            raise transition_refused("this workflow", "roll back", workflow.state)
        library = library_for(old.graph)
        result = graph_validate(old.graph, library)
        result.errors += credential_use_errors(old.resolved_graph,
                                               principal if principal is not None else user)
        if result.errors:
            raise _publish_errors(result)
        version = _version_create(workflow, graph=old.graph, resolved=old.resolved_graph,
                                  settings=old.settings, user=user,
                                  note=note or f"Rollback to version {number}")
        _do_transition(workflow, "publish")
        workflow.published_version = version
        workflow.published_at = timezone.now()
        workflow.draft_graph, workflow.draft_settings = old.graph, old.settings
        workflow.draft_revision += 1
        workflow.updated_by = user
        workflow.save()
        _live_changed(workflow)
    return workflow


# --- test cases ---------------------------------------------------------------------------


def test_case_save(workflow: Workflow, *, data: Mapping[str, Any], user: User,
                   case: WorkflowTestCase | None = None) -> WorkflowTestCase:
    """Create (case=None) or replace a saved test case; `given`/`expect` are checked."""
    from apps.workflows.testing import test_case_input_check

    _editable_check(workflow)
    given, expect = test_case_input_check(data.get("given"), data.get("expect"))
    if case is None:
        case = WorkflowTestCase(workflow=workflow, created_by=user)
    case.name, case.given, case.expect = data["name"], given, expect
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        raise InputInvalid("Invalid input.", [{"field": "name", "code": "unique",
                                               "message": "this workflow already has a test "
                                               "case with this name"}]) from exc
    return case


def test_case_delete(case: WorkflowTestCase) -> None:
    _editable_check(case.workflow)
    case.delete()


# Services, not pytest tests (their names say the entity, then the action).
test_case_save.__test__ = False  # type: ignore[attr-defined]
test_case_delete.__test__ = False  # type: ignore[attr-defined]
