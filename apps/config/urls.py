from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter, SimpleRouter

from apps.accounts.api import ApiKeyViewSet, MeApi
from apps.accounts.login_throttle import ThrottledAuthenticationForm
from apps.customers.api import CustomerViewSet, EventViewSet
from apps.customers.import_api import customers_import_path
from apps.customers.segments_api import SegmentViewSet
from apps.web.api import StatsApi
from apps.web.fields_api import ConditionFieldsApi
from apps.web.views import app_shell, healthz
from apps.workflows.api import BlockTemplateViewSet, WorkflowTestCaseViewSet, WorkflowViewSet
from apps.workflows.catalog_api import BlockCatalogApi, TemplatePreviewApi, TemplateVariablesApi

router = DefaultRouter()
router.trailing_slash = "/?"  # /api/v1/events and /api/v1/events/ both work
router.register("customers", CustomerViewSet, basename="customer")
# The events API is matched first: Django tries the patterns in order on every request,
# and a single-event POST (the busiest request) spent 5 % of its CPU walking them.
events_router = SimpleRouter()
events_router.trailing_slash = "/?"
events_router.register("events", EventViewSet, basename="event")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("segments", SegmentViewSet, basename="segment")
router.register("workflows", WorkflowViewSet, basename="workflow")
router.register(r"workflows/(?P<workflow_id>[0-9]{1,18})/test-cases", WorkflowTestCaseViewSet,
                basename="workflow-test-case")
router.register("block-templates", BlockTemplateViewSet, basename="block-template")

urlpatterns = [
    path("api/v1/", include(events_router.urls)),
    # The other ways events come in, next: the webhook trigger's URL was resolved after
    # every API pattern, 12 % of a webhook call's web CPU. Neither overlaps a route below.
    path("", include("apps.engine.public_urls")),
    path("v1/", include("apps.customers.tracking.urls")),  # Segment-compatible tracking
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/me", MeApi.as_view(), name="me"),
    path("api/v1/stats", StatsApi.as_view(), name="stats"),
    path("api/v1/conditions/fields", ConditionFieldsApi.as_view(), name="condition-fields"),
    path("api/v1/blocks", BlockCatalogApi.as_view(), name="blocks"),
    path("api/v1/templates/variables", TemplateVariablesApi.as_view(), name="template-variables"),
    path("api/v1/templates/preview", TemplatePreviewApi.as_view(), name="template-preview"),
    customers_import_path(router),  # before the router: /customers/import vs /{external_id}
    path("api/v1/", include("apps.engine.urls")),
    path("api/v1/", include("apps.messaging.urls")),
    path("api/v1/", include("apps.tasks.urls")),
    path("api/v1/", include("apps.offers.urls")),
    path("api/v1/", include("apps.integrations.urls")),
    path("api/v1/", include("apps.insights.urls")),
    path("api/v1/", include("apps.surveys.urls")),
    path("api/v1/", include("apps.reports.urls")),
    path("api/v1/", include(router.urls)),
    path("", include("apps.messaging.public_urls")),
    path("", include("apps.tasks.public_urls")),
    path("", include("apps.offers.public_urls")),
    path("", include("apps.surveys.public_urls")),
    path("", include("apps.integrations.public_urls")),
    re_path(r"^(?P<path>(?!api/|admin/|static/|v1/).*)$", app_shell, name="app"),
]

handler404 = "apps.common.views.not_found"
handler500 = "apps.common.views.server_error"
