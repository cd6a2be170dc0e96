"""Public routes outside /api/ (signed or secret URLs, provider callbacks)."""

from django.urls import URLPattern, re_path

from apps.engine.webhook import WorkflowWebhookApi

urlpatterns: list[URLPattern] = [
    # Any text in both parts: the view answers 404 itself, so a malformed id never falls
    # through to the front-end's catch-all route.
    re_path(r"^hooks/workflows/(?P<workflow_id>[^/]+)/(?P<secret>[^/]+)/?$",
            WorkflowWebhookApi.as_view(), name="engine-workflow-webhook"),
]
