"""The dashboard's figures: GET /api/v1/stats (READ)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.web.stats import DAYS, TOP_EVENT_TYPES, stats_overview


class DayCountSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A UTC calendar day.")
    count = serializers.IntegerField(min_value=0)


class TypeCountSerializer(serializers.Serializer):
    type = serializers.CharField()
    count = serializers.IntegerField(min_value=0)


class RiskSerializer(serializers.Serializer):
    threshold = serializers.FloatField(help_text="A churn score from here on is at risk.")
    scored = serializers.IntegerField(min_value=0, help_text="Customers with a churn score.")
    customers = serializers.IntegerField(min_value=0, help_text="Customers at risk.")
    high_value = serializers.IntegerField(min_value=0,
                                          help_text="At risk and in the VIP or high tier.")
    value = serializers.DecimalField(max_digits=16, decimal_places=2,
                                     help_text="The lifetime value of the customers at risk "
                                     "(installation currency).")


class StatsSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    customers = serializers.IntegerField(min_value=0, help_text="Profiles, erased ones excluded.")
    at_risk = RiskSerializer(help_text="Churn risk now, from the latest scores.")
    events_total = serializers.IntegerField(min_value=0)
    events_last_24h = serializers.IntegerField(min_value=0,
                                               help_text="By occurred_at, up to now.")
    events_last_7d = serializers.IntegerField(min_value=0)
    segments = serializers.IntegerField(min_value=0)
    events_per_day = DayCountSerializer(
        many=True, help_text=f"The last {DAYS} UTC days, oldest first, today last; zeros kept."
    )
    event_types = TypeCountSerializer(
        many=True, help_text=f"The {TOP_EVENT_TYPES} commonest event types of those days."
    )


class StatsApi(APIView):
    """Counts and recent activity for the dashboard."""

    @extend_schema(responses=StatsSerializer, operation_id="stats_retrieve", tags=["dashboard"])
    def get(self, request: Request) -> Response:
        return Response(StatsSerializer(stats_overview()).data)
