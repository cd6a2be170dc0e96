"""The one permission class: each view names the capability its actions need."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import permissions

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

from apps.accounts.capabilities import Capability


def required_capability(request: Request, view: APIView) -> Capability | None:
    """From the view's `capabilities` map (by action, then HTTP method); reads need READ.

    A write with no declared capability is refused: access fails closed."""
    mapping: dict[str, Capability] = getattr(view, "capabilities", {})
    action = getattr(view, "action", None)
    if action and action in mapping:
        return mapping[action]
    if request.method in mapping:
        return mapping[request.method]
    if request.method in permissions.SAFE_METHODS:
        return Capability.READ
    return None


class HasCapability(permissions.BasePermission):
    message = "Your role or API key scopes do not allow this action."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        if request.method not in view.allowed_methods:
            return True  # the view answers 405 Method Not Allowed, not a misleading 403
        needed = required_capability(request, view)
        return needed is not None and needed in user.capabilities
