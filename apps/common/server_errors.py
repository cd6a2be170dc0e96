"""Every unhandled exception in a request gets an error id, logged with the request's
method and path next to Django's traceback; an API client gets the same id in the JSON
error shape, never an HTML page, whatever DEBUG says."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("keepflow.errors")


@receiver(got_request_exception, dispatch_uid="keepflow-error-id")
def _error_id_logged(sender: Any, request: HttpRequest | None = None, **_: Any) -> None:
    if request is None:
        return
    error_id = secrets.token_hex(6)
    request.keepflow_error_id = error_id  # type: ignore[attr-defined]
    logger.error("server error %s: %s %s", error_id, request.method, request.path)


def server_error_body(request: HttpRequest) -> dict[str, Any]:
    error_id = getattr(request, "keepflow_error_id", None) or secrets.token_hex(6)
    return {"detail": f"Server error. Quote the error id {error_id} when you report it.",
            "error_id": error_id, "errors": []}


class ApiServerErrorMiddleware:
    """Outermost: with DEBUG on, Django answers an exception with its HTML debug page
    (settings included); an API path gets the JSON error shape instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from apps.common.views import is_api

        response = self.get_response(request)
        if (response.status_code >= 500 and is_api(request)
                and not response.get("Content-Type", "").startswith("application/json")):
            return JsonResponse(server_error_body(request), status=response.status_code)
        return response
