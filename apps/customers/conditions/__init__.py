"""The condition language shared by segments, filters and triggers.

One definition (schema.Condition), two evaluators that agree: `condition_q` compiles to
SQL for counts over many customers or events, `condition_evaluate` runs in Python on one
customer and event. See docs/conditions.md."""

from apps.customers.conditions.compile import condition_q
from apps.customers.conditions.evaluate import condition_evaluate
from apps.customers.conditions.fields import field_names
from apps.customers.conditions.nodes import Node, Op, Root
from apps.customers.conditions.schema import (
    Condition,
    ConditionError,
    ConditionIssue,
    condition_parse,
    condition_validate,
)

__all__ = [
    "Condition",
    "ConditionError",
    "ConditionIssue",
    "Node",
    "Op",
    "Root",
    "condition_evaluate",
    "condition_parse",
    "condition_q",
    "condition_validate",
    "field_names",
]
