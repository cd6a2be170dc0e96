from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from apps.accounts.api import ApiKeyViewSet, MeApi
from apps.customers.api import CustomerViewSet, EventViewSet
from apps.web.views import app_shell, healthz

router = DefaultRouter()
router.trailing_slash = "/?"  # /api/v1/events and /api/v1/events/ both work
router.register("customers", CustomerViewSet, basename="customer")
router.register("events", EventViewSet, basename="event")
router.register("api-keys", ApiKeyViewSet, basename="api-key")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/me", MeApi.as_view(), name="me"),
    path("api/v1/", include(router.urls)),
    re_path(r"^(?P<path>(?!api/|admin/|static/|v1/).*)$", app_shell, name="app"),
]
