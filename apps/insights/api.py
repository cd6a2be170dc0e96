"""GET /api/v1/insights/model, GET /api/v1/customers/{id}/forecast and
GET /api/v1/customers/{id}/score-history (READ); GET (READ) and PUT (insights.manage:
admins) /api/v1/insights/settings, and its preview."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.capabilities import Capability
from apps.customers.models import Customer
from apps.insights.models import ModelFit
from apps.insights.selectors import (
    customer_forecast,
    customer_score_history,
    insights_settings_get,
    model_current,
    score_thresholds,
    settings_preview,
)
from apps.insights.serializers import (
    ForecastQuerySerializer,
    ForecastSerializer,
    InsightsSettingsSerializer,
    ModelSerializer,
    ScoreHistoryQuerySerializer,
    ScoreHistorySerializer,
    SettingsPreviewSerializer,
    weights_merged,
)
from apps.insights.services import insights_settings_update


def _current_or_404() -> ModelFit:
    fit = model_current()
    if fit is None:
        raise NotFound  # none fitted yet: `manage.py churn_fit` or the nightly job
    return fit


class InsightsModelApi(APIView):
    """The current churn (BG/NBD) and spend (Gamma-Gamma) model."""

    @extend_schema(responses={200: ModelSerializer, 404: OpenApiResponse(
                       description="No model has converged yet.")},
                   operation_id="insights_model_retrieve", tags=["insights"])
    def get(self, request: Request) -> Response:
        fit = _current_or_404()
        newest = ModelFit.objects.order_by("-fitted_at", "-id").first()
        failed = newest if newest is not None and not newest.converged else None
        return Response(ModelSerializer({
            "bgnbd": {"r": fit.r, "alpha": fit.alpha, "a": fit.a, "b": fit.b,
                      "log_likelihood": fit.log_likelihood},
            "gamma_gamma": ({"p": fit.p, "q": fit.q, "gamma": fit.gamma}
                            if fit.p is not None else None),
            "as_of": fit.as_of, "fitted_at": fit.fitted_at, "customers": fit.customers,
            "last_attempt": ({"fitted_at": failed.fitted_at.isoformat(),
                              "as_of": failed.as_of.isoformat(), "reason": failed.reason}
                             if failed else None),
        }).data)


class CustomerForecastApi(APIView):
    """Expected purchases of one customer in the next N days."""

    @extend_schema(parameters=[OpenApiParameter("days", int, required=True,
                                                description="Horizon in days (1-3650).")],
                   responses=ForecastSerializer, operation_id="customers_forecast",
                   tags=["customers"])
    def get(self, request: Request, external_id: str) -> Response:
        query = ForecastQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        customer = get_object_or_404(Customer, external_id=external_id, erased_at__isnull=True)
        fit = _current_or_404()
        days = query.validated_data["days"]
        return Response(ForecastSerializer({
            "customer_id": customer.external_id, "days": days,
            "expected_purchases": customer_forecast(customer, days, fit), "as_of": fit.as_of,
        }).data)


class CustomerScoreHistoryApi(APIView):
    """A customer's churn score, P(alive), CLV and tier over time, for the chart."""

    @extend_schema(parameters=[
        OpenApiParameter("from", OpenApiTypes.DATE, description="First UTC day, included."),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last UTC day, included."),
    ], responses={200: ScoreHistorySerializer, 404: OpenApiResponse(
        description="No such customer, or erased.")},
        operation_id="customers_score_history", tags=["customers"])
    def get(self, request: Request, external_id: str) -> Response:
        query = ScoreHistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        customer = get_object_or_404(Customer, external_id=external_id, erased_at__isnull=True)
        points = customer_score_history(customer, query.validated_data.get("from"),
                                        query.validated_data.get("to"))
        return Response(ScoreHistorySerializer({
            "customer_id": customer.external_id, "thresholds": score_thresholds(),
            "points": points,
        }).data)
class InsightsSettingsApi(APIView):
    """The churn score settings: crossing thresholds, CLV tiers, and the contract
    customers' rule score (which attribute makes a contract customer, the signals'
    weights and where they come from). Changes apply at the next scoring."""

    capabilities = {"PUT": Capability.INSIGHTS_MANAGE}

    @extend_schema(responses=InsightsSettingsSerializer, operation_id="insights_settings_retrieve",
                   tags=["insights"])
    def get(self, request: Request) -> Response:
        return Response(InsightsSettingsSerializer(insights_settings_get()).data)

    @extend_schema(request=InsightsSettingsSerializer, responses=InsightsSettingsSerializer,
                   operation_id="insights_settings_update", tags=["insights"])
    def put(self, request: Request) -> Response:
        serializer = InsightsSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "weights" in changes:
            changes["weights"] = weights_merged(insights_settings_get().weights,
                                                changes["weights"])
        saved = insights_settings_update(changes, request.user)
        return Response(InsightsSettingsSerializer(saved).data)


class InsightsSettingsPreviewApi(APIView):
    """How many contract customers would be at risk with these weights and threshold,
    from the signals of the last scoring. A read: nothing is saved."""

    capabilities = {"POST": Capability.READ}

    @extend_schema(request=InsightsSettingsSerializer, responses=SettingsPreviewSerializer,
                   operation_id="insights_settings_preview", tags=["insights"])
    def post(self, request: Request) -> Response:
        serializer = InsightsSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current = insights_settings_get()
        weights = weights_merged(current.weights, serializer.validated_data.get("weights", {}))
        threshold = serializer.validated_data.get("churn_score_threshold",
                                                  current.churn_score_threshold)
        return Response(SettingsPreviewSerializer(settings_preview(weights, threshold)).data)
