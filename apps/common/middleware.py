"""Refuse oversized bodies before anything reads them."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestBodyLimitMiddleware:
    """Answer 413 for a declared body over KEEPFLOW_MAX_BODY_BYTES (undeclared ones are
    caught when read, see apps.common.errors)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse(
                {"detail": "Invalid Content-Length header.", "errors": []}, status=400
            )
        if length > settings.KEEPFLOW_MAX_BODY_BYTES:
            return payload_too_large()
        return self.get_response(request)


def payload_too_large() -> JsonResponse:
    return JsonResponse(payload_too_large_body(), status=413)


def payload_too_large_body() -> dict:
    limit = settings.KEEPFLOW_MAX_BODY_BYTES
    return {
        "detail": f"Request body is larger than the limit of {limit} bytes.",
        "errors": [{"field": "body", "code": "too_large", "message": f"max {limit} bytes"}],
    }
