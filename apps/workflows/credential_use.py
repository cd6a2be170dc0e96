"""Who may publish a workflow that uses a stored credential: admins (credentials.manage)
and the roles or API-key scopes an admin shared the credential with. Checked on publish
and rollback, over the effective configs (block-template presets included), so a
publisher cannot route a secret they were never given into a live workflow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.integrations.binding import credential_use_refusal


def credential_use_errors(resolved_graph: Mapping[str, Any],
                          principal: Any) -> list[dict[str, Any]]:
    """Validation issues (same shape as validation.py's) for every node whose credential
    `principal` (a User, an API-key principal, or None for the system) may not use."""
    errors: list[dict[str, Any]] = []
    if principal is None:
        return errors
    for index, node in enumerate(resolved_graph.get("nodes") or []):
        config = node.get("config") if isinstance(node, Mapping) else None
        credential_id = config.get("credential_id") if isinstance(config, Mapping) else None
        if not isinstance(credential_id, int) or isinstance(credential_id, bool):
            continue
        refusal = credential_use_refusal(credential_id, principal)
        if refusal:
            errors.append({"node": node.get("id"), "field": "config.credential_id",
                           "code": "credential_not_shared", "message": refusal,
                           "path": f"graph.nodes.{index}.config.credential_id"})
    return errors
