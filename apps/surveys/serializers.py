import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from apps.customers.models import Segment
from apps.surveys.models import MAX_POSITION, REASON_CODE_PATTERN, ExitReason

MAX_REPORT_DAYS = 3 * 366


def _renamed_from(fields: dict[str, Any]) -> dict[str, Any]:
    """`from` is a Python keyword: declared as from_, named from (order kept)."""
    return {("from" if name == "from_" else name): field for name, field in fields.items()}
DEFAULT_REPORT_DAYS = 90


class ExitReasonSerializer(serializers.ModelSerializer):
    code = serializers.RegexField(REASON_CODE_PATTERN, max_length=40, help_text=(
        "Stable id in events and reports: lower-case letters, digits and _; set once."))

    class Meta:
        model = ExitReason
        fields = ["id", "code", "label_en", "label_de", "label_ru", "position", "active",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Bounded, so the next reason's position (the highest + 1) always fits the column.
        extra_kwargs = {"position": {"required": False, "min_value": 0,
                                     "max_value": MAX_POSITION}}

    def validate_code(self, value: str) -> str:
        if self.instance is not None and value != self.instance.code:
            raise serializers.ValidationError("The code cannot change: answers name it.",
                                              code="read_only")
        if self.instance is None and ExitReason.objects.filter(code=value).exists():
            raise serializers.ValidationError("A reason with this code exists.", code="unique")
        return value


class ExitReasonReorderSerializer(serializers.Serializer):
    codes = serializers.ListField(child=serializers.CharField(max_length=40),
                                  allow_empty=False, max_length=500,
                                  help_text="Reason codes in their new order.")

    def validate_codes(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each code once.", code="duplicate")
        unknown = sorted(set(value) - set(ExitReason.objects.values_list("code", flat=True)))
        if unknown:
            raise serializers.ValidationError(f"Unknown reason codes: {', '.join(unknown)}.",
                                              code="not_found")
        return value


class ExitReasonsQuerySerializer(serializers.Serializer):
    from_ = serializers.DateField(required=False, help_text="First day (UTC), default 90 "
                                  "days before `to`.")
    to = serializers.DateField(required=False, help_text="Last day (UTC), default today.")
    period = serializers.ChoiceField(choices=["week", "month"], default="week")
    segment = serializers.IntegerField(required=False, min_value=1,
                                       help_text="Only customers in this segment now.")

    def get_fields(self) -> dict[str, Any]:
        return _renamed_from(super().get_fields())

    def validate_segment(self, value: int) -> Segment:
        segment = Segment.objects.filter(pk=value).first()
        if segment is None:
            raise serializers.ValidationError("No segment with this id.", code="not_found")
        return segment

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        last = attrs.get("to") or timezone.now().date()
        first = attrs.get("from") or last - dt.timedelta(days=DEFAULT_REPORT_DAYS)
        if first > last:
            raise serializers.ValidationError({"to": serializers.ErrorDetail(
                "`to` must be on or after `from`.", code="invalid_range")})
        if (last - first).days > MAX_REPORT_DAYS:
            raise serializers.ValidationError({"from": serializers.ErrorDetail(
                f"At most {MAX_REPORT_DAYS} days per report.", code="range_too_large")})
        return {**attrs, "from": first, "to": last}


class ExitReasonLabelSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    active = serializers.BooleanField()


class ExitReasonsPeriodSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day of the week (Monday) or month.")
    counts = serializers.DictField(child=serializers.IntegerField(),
                                   help_text="Answers per reason code.")
    answered = serializers.IntegerField(help_text="Answers given in the period.")
    sent = serializers.IntegerField(help_text="Surveys sent in the period.")
    responded = serializers.IntegerField(help_text="Of those, answered so far.")
    response_rate = serializers.FloatField(allow_null=True,
                                           help_text="responded / sent; null with no sends.")


class ExitReasonsTotalsSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    answered = serializers.IntegerField()
    sent = serializers.IntegerField()
    responded = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)


class ExitReasonsSegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ExitReasonsReportSerializer(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    period = serializers.ChoiceField(choices=["week", "month"])
    segment = ExitReasonsSegmentSerializer(allow_null=True)
    reasons = ExitReasonLabelSerializer(many=True)
    periods = ExitReasonsPeriodSerializer(many=True)
    totals = ExitReasonsTotalsSerializer()

    def get_fields(self) -> dict[str, Any]:
        return _renamed_from(super().get_fields())
