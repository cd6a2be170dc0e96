"""Domain errors of workflows and block templates, each with its HTTP answer.

Services raise these; the API turns them into the one error shape
{"detail", "errors": [{field, code, message, ...}], ...extra} (see api.py)."""

from __future__ import annotations

from typing import Any


class WorkflowError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors if errors is not None else []
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "errors": self.errors, **self.extra}


class InputInvalid(WorkflowError):
    """Bad request body: a graph of the wrong shape, bad settings, a bad test case."""


class GraphInvalid(WorkflowError):
    """Publishing refused: the graph breaks validation rules (errors name node and field)."""

    code = "graph_invalid"


class TestCasesFailing(WorkflowError):
    """Publishing refused: at least one saved test case fails."""

    code = "test_cases_failing"


class TransitionRefused(WorkflowError):
    """The state does not allow this move (e.g. pause a draft, publish an archived one)."""

    status = 409
    code = "transition_not_allowed"


class StaleRevision(WorkflowError):
    """Someone saved the draft since the caller read it: reload, merge, save again."""

    status = 409
    code = "stale_revision"


class NotEditable(WorkflowError):
    """The object is frozen in its state (an archived workflow, a published template)."""

    status = 409
    code = "not_editable"


def transition_refused(what: str, verb: str, state: str) -> TransitionRefused:
    return TransitionRefused(
        f"Cannot {verb} {what} in state {state!r}.",
        [{"field": "state", "code": "transition_not_allowed",
          "message": f"{verb} is not allowed from {state}"}],
        state=state,
    )
