"""The signed-in single-page app shell; the React bundle does the rest."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from apps.common.csp import csp_canvas
from apps.web.vite import ViteManifestError, vite_assets


@login_required
@ensure_csrf_cookie
@csp_canvas
def app_shell(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every front-end route gets this page; React Router picks the screen. Without a built
    bundle the page says how to build it instead of failing."""
    try:
        assets, problem = vite_assets(), ""
    except ViteManifestError as exc:
        assets, problem = None, str(exc)
    context = {"assets": assets, "problem": problem}
    return render(request, "web/app.html", context, status=200 if assets else 503)


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
