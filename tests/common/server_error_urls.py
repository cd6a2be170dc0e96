"""URLs whose views raise, for tests/common/test_server_errors.py."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("database is locked")


@api_view(["POST"])
@permission_classes([AllowAny])
def _api_boom(request):
    raise RuntimeError("deadlock detected")


urlpatterns = [
    path("api/v1/boom", _api_boom),
    path("hooks/boom", _boom),
    path("page/boom", _boom),
    path("", include("apps.config.urls")),
]

handler404 = "apps.common.views.not_found"
handler500 = "apps.common.views.server_error"
