"""Builders shared by the condition tests: leaves and a fixed clock."""

from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
_ABSENT = object()


def leaf(field: str, op: str, value: Any = _ABSENT, **extra: Any) -> dict[str, Any]:
    node = {"field": field, "op": op, **extra}
    if value is not _ABSENT:
        node["value"] = value
    return node
