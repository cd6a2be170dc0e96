from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from apps.customers.conditions import ConditionError
from apps.customers.models import Segment
from apps.customers.segments import segment_condition_clean

CONDITION_SCHEMA = {
    "type": "object",
    "additionalProperties": True,
    "description": (
        'A condition: {"all": [...]}, {"any": [...]}, {"not": {...}} or a leaf '
        '{"field": "customer.attributes.plan", "op": "eq", "value": "pro"}. Segments take '
        "customer.* fields and metrics.*; see docs/conditions.md."
    ),
    "example": {
        "all": [
            {"field": "customer.attributes.contract_end", "op": "within_next", "value": "30d"},
            {"field": "customer.attributes.nps", "op": "lte", "value": 6},
        ]
    },
}


@extend_schema_field(CONDITION_SCHEMA)
class ConditionField(serializers.JSONField):
    """A segment condition, validated and stored in canonical form. Errors name the path
    inside the condition: condition.all.2.op."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        try:
            return segment_condition_clean(value)
        except ConditionError as exc:
            raise serializers.ValidationError(
                {issue.path: [ErrorDetail(issue.message, code=issue.code)] for issue in exc.issues}
            ) from exc


class SegmentSerializer(serializers.ModelSerializer):
    condition = ConditionField()
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "condition",
            "member_count",
            "refreshed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "member_count", "refreshed_at", "created_at", "updated_at"]


class SegmentPreviewInSerializer(serializers.Serializer):
    condition = ConditionField()


class SegmentPreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Customers matching now.")
    sample = serializers.ListField(
        child=serializers.CharField(), help_text="External ids of a few matching customers."
    )
