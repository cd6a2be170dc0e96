"""One error shape for the whole API: a summary plus a flat list naming each field.

    {"detail": "Invalid input.",
     "errors": [{"field": "events.3.type", "code": "required", "message": "..."}]}
"""

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.common.middleware import payload_too_large_body

logger = logging.getLogger(__name__)
DATABASE_RETRY_SECONDS = 2


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource changed or already exists."
    default_code = "conflict"


class IdempotencyKeyReused(exceptions.APIException):
    """The same idempotency key with a different request (422, as Stripe answers): the
    second request would otherwise be dropped without a word. `fields` name the keys."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This idempotency key was already used for a different request."
    default_code = "idempotency_key_reused"

    def __init__(self, fields: list[str], message: str) -> None:
        super().__init__()
        self.errors = [{"field": field, "code": self.default_code, "message": message}
                       for field in fields]


def _database_unavailable(exc: Exception) -> Response:
    """PostgreSQL went away (a restart, a failover, a connection it closed): the request
    did not go through, and a retry will (Django opens a new connection for it)."""
    logger.warning("database unavailable: %s", exc, exc_info=True)
    return Response({"detail": _("The database did not answer this request. Send it again in "
                                 "a few seconds."), "errors": []},
                    status=status.HTTP_503_SERVICE_UNAVAILABLE,
                    headers={"Retry-After": str(DATABASE_RETRY_SECONDS)})


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested error detail into [{field, code, message}] with dotted paths."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            out += flatten_errors(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [_leaf(item, prefix) for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item in ({}, []):
                continue
            out += flatten_errors(item, f"{prefix}.{index}" if prefix else str(index))
        return out
    return [_leaf(detail, prefix)]


def _leaf(item: Any, field: str) -> dict[str, str]:
    code = getattr(item, "code", None) or "invalid"
    return {"field": field or "body", "code": str(code), "message": str(item)}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, OperationalError | InterfaceError):
        return _database_unavailable(exc)
    if isinstance(exc, RequestDataTooBig):
        return Response(payload_too_large_body(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"body": exc.messages}
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, IdempotencyKeyReused):
        response.data = {"detail": str(exc.detail), "errors": exc.errors}
    elif isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "errors": flatten_errors(exc.detail)}
    elif isinstance(exc, exceptions.ParseError):
        response.data = {
            "detail": str(exc.detail),
            "errors": [{"field": "body", "code": "parse_error", "message": str(exc.detail)}],
        }
    elif isinstance(exc, Http404 | exceptions.NotFound):
        response.data = {"detail": "Not found.", "errors": []}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "errors": []}
    return response

