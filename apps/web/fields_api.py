"""GET /api/v1/conditions/fields (READ): what the condition builder offers to pick."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.customers.conditions.catalog import WINDOW_DAYS, condition_fields
from apps.insights.selectors import insights_settings_get


class FieldInfoSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="What the condition stores, e.g. "
                                 "event.properties.score.")
    label = serializers.CharField(help_text="What a person reads.")
    group = serializers.CharField(help_text="Customer, Customer details, or Event: <type>.")
    event_type = serializers.CharField(
        allow_null=True, help_text="The event type whose property this is (a stable key: "
        "the group is in the reader's language); null for the customer's fields.")
    type = serializers.ChoiceField(choices=["number", "text", "choice", "date", "datetime",
                                            "boolean", "tags"])
    choices = serializers.ListField(child=serializers.CharField(),
                                    help_text="The values to pick from, for type choice.")
    examples = serializers.ListField(child=serializers.CharField(),
                                     help_text="Up to three values seen.")


class EventTypeCountSerializer(serializers.Serializer):
    type = serializers.CharField()
    count = serializers.IntegerField(min_value=0)


class ConditionFieldsSerializer(serializers.Serializer):
    fields = FieldInfoSerializer(many=True)
    event_types = EventTypeCountSerializer(
        many=True, help_text=f"Event types of the last {WINDOW_DAYS} days (newest events "
        "sampled), commonest first.")


class ConditionFieldsApi(APIView):
    """The customer's fields, their attribute keys and the properties of recent event
    types, in words with value types: for the condition builder's field picker."""

    @extend_schema(responses=ConditionFieldsSerializer, operation_id="condition_fields",
                   tags=["segments"])
    def get(self, request: Request) -> Response:
        tiers = [name for name, _share in insights_settings_get().tiers]
        return Response(ConditionFieldsSerializer(condition_fields(tiers)).data)
