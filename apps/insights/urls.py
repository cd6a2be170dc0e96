from django.urls import path

from apps.insights.api import CustomerForecastApi, CustomerScoreHistoryApi, InsightsModelApi

urlpatterns = [
    path("insights/model", InsightsModelApi.as_view(), name="insights-model"),
    path("customers/<str:external_id>/forecast", CustomerForecastApi.as_view(),
         name="customer-forecast"),
    path("customers/<str:external_id>/score-history", CustomerScoreHistoryApi.as_view(),
         name="customer-score-history"),
]
