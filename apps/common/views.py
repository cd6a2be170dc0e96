"""Django-level error pages: JSON in the API's error shape under the machine-facing
prefixes, the usual HTML elsewhere. DRF's handler covers errors inside API views; these
cover URLs no view matched (e.g. /api/v1/api-keys/0.5/) and exceptions that escaped a
view (apps.common.server_errors gives those their error id)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from apps.common.server_errors import server_error_body

API_PREFIXES = ("/api/", "/v1/", "/hooks/", "/webhooks/")


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIXES)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": "Not found.", "errors": []}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return JsonResponse(server_error_body(request), status=500)
    return defaults.server_error(request)
