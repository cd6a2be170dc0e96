from django.urls import path

from apps.insights.api import (
    CustomerForecastApi,
    CustomerScoreHistoryApi,
    InsightsModelApi,
    InsightsSettingsApi,
    InsightsSettingsPreviewApi,
)

urlpatterns = [
    path("insights/model", InsightsModelApi.as_view(), name="insights-model"),
    path("insights/settings", InsightsSettingsApi.as_view(), name="insights-settings"),
    path("insights/settings/preview", InsightsSettingsPreviewApi.as_view(),
         name="insights-settings-preview"),
    path("customers/<str:external_id>/forecast", CustomerForecastApi.as_view(),
         name="customer-forecast"),
    path("customers/<str:external_id>/score-history", CustomerScoreHistoryApi.as_view(),
         name="customer-score-history"),
]
