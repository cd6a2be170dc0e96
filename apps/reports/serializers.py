"""Shapes of the workflow report (for the OpenAPI schema and the query's validation)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MAX_SPAN = timedelta(days=3 * 366)
DEFAULT_SPAN = timedelta(days=90)


@extend_schema_field({"type": "string", "example": "2026-11-01"})
class _DateOrDateTimeField(serializers.Field):
    """An ISO date (midnight UTC) or an ISO date-time with an offset."""

    default_error_messages = {
        "invalid": "Enter an ISO 8601 date (2026-11-01) or date-time (2026-11-01T00:00:00Z)."}

    def to_internal_value(self, data: Any) -> datetime:
        if not isinstance(data, str):
            self.fail("invalid")
        text = data.strip()
        try:
            if len(text) == 10:
                return datetime.combine(date.fromisoformat(text), time.min, tzinfo=UTC)
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            self.fail("invalid")
        if parsed.tzinfo is None:
            self.fail("invalid")
        return parsed

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class ReportQuerySerializer(serializers.Serializer):
    """?from=&to= (both optional: the last 90 days up to now). Customers who entered in
    [from, to) are compared; their conversions count up to now."""

    def get_fields(self) -> dict[str, serializers.Field]:  # "from" is a Python keyword
        return {
            "from": _DateOrDateTimeField(required=False, help_text=(
                "Start (inclusive) of the entry period: an ISO date or date-time. "
                "Default: midnight UTC 90 days before `to` (whole days read the daily "
                "rollup, so they answer fast).")),
            "to": _DateOrDateTimeField(required=False, help_text=(
                "End (exclusive) of the entry period. Default: now.")),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("to") or timezone.now()
        # Whole UTC days come from the daily rollup; a default that starts mid-day would
        # send every report to the raw tables.
        start = attrs.get("from") or datetime.combine((end - DEFAULT_SPAN).astimezone(UTC).date(),
                                                      time.min, tzinfo=UTC)
        if start >= end:
            raise serializers.ValidationError({"from": "must be before `to`"},
                                              code="invalid_range")
        if end - start > MAX_SPAN:
            raise serializers.ValidationError(
                {"from": "the period may span at most 3 years"}, code="too_long")
        return {"from": start, "to": end}


class IntervalSerializer(serializers.Serializer):
    low = serializers.FloatField()
    high = serializers.FloatField()


class GroupSerializer(serializers.Serializer):
    customers = serializers.IntegerField(help_text="Customers who entered in the period.")
    converted = serializers.IntegerField(allow_null=True, help_text=(
        "Of them, those who reached the goal after entering, within its window "
        "(null without a goal)."))
    rate = serializers.FloatField(allow_null=True, help_text="converted / customers (0-1).")
    rate_ci = IntervalSerializer(allow_null=True, help_text="95 % Wilson score interval.")
    value = serializers.FloatField(allow_null=True, help_text=(
        "Sum of the goal's value property over their goal events (null without one)."))
    value_per_customer = serializers.FloatField(allow_null=True)


class ControlGroupSerializer(GroupSerializer):
    held_out_at_entry = serializers.IntegerField(help_text=(
        "Held out by the workflow's control percent (they got nothing)."))
    split_holdout = serializers.IntegerField(help_text=(
        "Sent to a flow.split's holdout port."))


class GroupsSerializer(serializers.Serializer):
    treatment = GroupSerializer()
    control = ControlGroupSerializer()


class LiftSerializer(serializers.Serializer):
    absolute = serializers.FloatField(help_text=(
        "Treatment rate - control rate, as a share (0.05 = 5 percentage points)."))
    absolute_ci = IntervalSerializer(help_text=(
        "95 % interval of the difference: Newcombe's hybrid score method (method 10)."))
    relative = serializers.FloatField(allow_null=True, help_text=(
        "absolute / control rate (null when the control rate is 0)."))
    p_value = serializers.FloatField(help_text="Two-sided, for 'the rates differ'.")
    test = serializers.ChoiceField(choices=["z_test", "fisher_exact"], help_text=(
        "Pooled two-proportion z-test, or Fisher's exact test when an expected cell "
        "count is below 5."))
    needed_customers = serializers.IntegerField(allow_null=True, help_text=(
        "Customers (both groups) a test of the observed effect needs at 80 % power, "
        "alpha = 0.05; null when there is no difference."))
    more_customers = serializers.IntegerField(allow_null=True, help_text=(
        "needed_customers minus those so far (0 when enough)."))


class ValueLiftSerializer(serializers.Serializer):
    per_customer = serializers.FloatField(allow_null=True, help_text=(
        "Mean goal value per treated customer - per control customer."))
    per_customer_ci = IntervalSerializer(allow_null=True, help_text=(
        "95 % normal approximation with unequal variances (Welch)."))
    incremental = serializers.FloatField(allow_null=True, help_text=(
        "per_customer x treated customers: the value the workflow added."))
    incremental_ci = IntervalSerializer(allow_null=True)


class VerdictSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[
        "no_data", "no_goal", "no_control", "not_enough_data", "no_effect", "lift", "drop"])
    text = serializers.CharField(help_text="The verdict in plain words (English).")


class ComparisonSerializer(serializers.Serializer):
    groups = GroupsSerializer()
    lift = LiftSerializer(allow_null=True)
    value = ValueLiftSerializer(allow_null=True)
    verdict = VerdictSerializer()


class VersionReportSerializer(ComparisonSerializer):
    version = serializers.IntegerField(allow_null=True, help_text=(
        "The version number customers first entered on in the period."))


class PortSerializer(serializers.Serializer):
    port = serializers.CharField()
    target = serializers.CharField(help_text="The node the port leads to (counted there).")
    customers = serializers.IntegerField(help_text="Treated customers who left by it.")
    converted = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    rate_ci = IntervalSerializer(allow_null=True, help_text="95 % Wilson score interval.")


class NodeReportSerializer(ComparisonSerializer):
    node_id = serializers.CharField()
    type = serializers.CharField(allow_null=True, help_text=(
        "The block type in the live graph (null: the node is only in older versions)."))
    label = serializers.CharField(allow_null=True)
    ports = PortSerializer(many=True, help_text=(
        "For a node with several ports (e.g. an A/B split): conversions per port, "
        "where only that port leads to its target."))


class GoalSerializer(serializers.Serializer):
    event_type = serializers.CharField()
    condition = serializers.JSONField(allow_null=True)
    value_property = serializers.CharField(allow_null=True)
    within_days = serializers.IntegerField(allow_null=True)


class CostsSerializer(serializers.Serializer):
    emails = serializers.IntegerField(help_text="E-mails handed to a provider.")
    email_cost = serializers.FloatField()
    sms_segments = serializers.IntegerField(help_text="SMS segments handed to a provider.")
    sms_cost = serializers.FloatField()
    tasks = serializers.IntegerField(help_text="Agent tasks (not cancelled).")
    task_cost = serializers.FloatField(help_text=(
        "tasks x (fixed cost per task + cost per agent minute x expected minutes)."))
    offers_redeemed = serializers.IntegerField()
    offer_cost = serializers.FloatField(help_text="The redeemed offers' discounts.")
    total = serializers.FloatField()


class ValueSourceSerializer(serializers.Serializer):
    use_clv = serializers.BooleanField()
    customers = serializers.IntegerField(help_text=(
        "Customers whose CLV was averaged (a sample above 5,000); 0 with the set value."))
    with_clv = serializers.IntegerField(help_text=(
        "Of them, those with a CLV (the others count at the set value)."))


class RoiVerdictSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[
        "no_data", "no_control", "no_value", "no_costs", "pays_off", "does_not_pay",
        "unclear"])
    text = serializers.CharField(help_text="The verdict in plain words (English).")


class RoiSerializer(serializers.Serializer):
    currency = serializers.CharField()
    costs = CostsSerializer(help_text=(
        "What the workflow spent on the customers who entered in the period."))
    contacted = serializers.IntegerField(help_text="Treated customers.")
    cost_per_contacted = serializers.FloatField(allow_null=True)
    value_per_kept = serializers.FloatField(help_text=(
        "Value of a kept customer: their average CLV (the set value where unknown), "
        "or the set value."))
    value_source = ValueSourceSerializer()
    break_even_rate = serializers.FloatField(allow_null=True, help_text=(
        "cost_per_contacted / value_per_kept: the incremental save rate at which the "
        "workflow pays for itself (above 1: it cannot)."))
    break_even_one_in = serializers.IntegerField(allow_null=True, help_text=(
        "It pays off if it keeps 1 in this many contacted customers (null when it costs "
        "nothing or cannot pay off)."))
    saved_rate = serializers.FloatField(allow_null=True, help_text=(
        "Measured incremental save rate: the lift (treated rate - control rate)."))
    saved_rate_ci = IntervalSerializer(allow_null=True, help_text="Newcombe, 95 %.")
    saved_customers = serializers.FloatField(allow_null=True, help_text=(
        "saved_rate x contacted."))
    saved_customers_ci = IntervalSerializer(allow_null=True)
    net_value = serializers.FloatField(allow_null=True, help_text=(
        "saved_customers x value_per_kept - total cost."))
    net_value_ci = IntervalSerializer(allow_null=True)
    roi = serializers.FloatField(allow_null=True, help_text=(
        "net_value / total cost (1.5 = 150 %); null without costs."))
    roi_ci = IntervalSerializer(allow_null=True, help_text=(
        "The lift's interval put through the same formula."))
    verdict = RoiVerdictSerializer()


class WorkflowReportSerializer(ComparisonSerializer):
    workflow = serializers.IntegerField()
    roi = RoiSerializer(allow_null=True, help_text=(
        "Return on investment: a conversion to the goal counts as a kept customer; "
        "null without a goal."))
    control_percent = serializers.IntegerField()
    goal = GoalSerializer(allow_null=True, help_text=(
        "The goal counted: the published version's (else the draft's)."))
    versions = VersionReportSerializer(many=True)
    nodes = NodeReportSerializer(many=True, help_text=(
        "Per node: the customers whose run passed it (treated, and held out after it by "
        "a split's holdout port) and their conversions."))

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField()
        fields["to"] = serializers.DateTimeField()
        return fields


# --- retention -------------------------------------------------------------------------

RETENTION_DEFAULT_DAYS = 365
RETENTION_MAX_DAYS = 5 * 366


def segment_must_exist(value: int) -> int:
    from apps.customers.models import Segment

    if not Segment.objects.filter(pk=value).exists():
        raise serializers.ValidationError("No segment with this id.", code="not_found")
    return value


class RetentionQuerySerializer(serializers.Serializer):
    """?from=&to=&segment=&definition=&k=&p= (all optional)."""

    def get_fields(self) -> dict[str, serializers.Field]:  # "from" is a Python keyword
        return {
            "from": serializers.DateField(required=False, help_text=(
                "First day (UTC): customers at its start are S. Default: a year before `to`.")),
            "to": serializers.DateField(required=False, help_text=(
                "Last day (UTC): customers at its end are E. Default: yesterday.")),
            "segment": serializers.IntegerField(required=False, min_value=1, help_text=(
                "Only customers in this segment now.")),
            "definition": serializers.ChoiceField(
                choices=["purchase", "contract", "p_alive"], default="purchase", help_text=(
                    "Who counts as a customer: `purchase` (bought within k x their own "
                    "rhythm), `contract` (an active contract), `p_alive` (P(alive) >= p "
                    "from the churn model's score history).")),
            "k": serializers.FloatField(required=False, min_value=0.1, max_value=100,
                                        help_text="For `purchase`; default 2."),
            "p": serializers.FloatField(required=False, min_value=0, max_value=1, help_text=(
                "For `p_alive`; default the P(alive) threshold of the churn settings.")),
        }

    def validate_segment(self, value: int) -> int:
        return segment_must_exist(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        last = attrs.get("to") or timezone.now().date() - timedelta(days=1)
        first = attrs.get("from") or last - timedelta(days=RETENTION_DEFAULT_DAYS - 1)
        if first > last:
            raise serializers.ValidationError({"to": serializers.ErrorDetail(
                "`to` must be on or after `from`.", code="invalid_range")})
        if (last - first).days >= RETENTION_MAX_DAYS:
            raise serializers.ValidationError({"from": serializers.ErrorDetail(
                "the period may span at most 5 years", code="too_long")})
        return {**attrs, "from": first, "to": last}


class RatesSerializer(serializers.Serializer):
    start = serializers.IntegerField(help_text="S: customers at the start.")
    end = serializers.IntegerField(help_text="E: customers at the end.")
    new = serializers.IntegerField(help_text=(
        "N: of E, those who first became customers in the period."))
    retention = serializers.FloatField(allow_null=True, help_text=(
        "(E - N) / S (0-1); null when S is 0."))
    churn = serializers.FloatField(allow_null=True, help_text="1 - retention.")


class RetentionPeriodSerializer(RatesSerializer):
    from_ = serializers.DateField(help_text="The month's first moment (or `from`).")
    to = serializers.DateField(help_text="Its end: the next month's first day (or the "
                                         "day after `to`).")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        return super().to_representation({**instance, "from_": instance["from"]})


class CohortSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="Month of the first purchase (or record).")
    customers = serializers.IntegerField(help_text="Customers whose first day was then.")
    retained = serializers.ListField(child=serializers.FloatField(), help_text=(
        "Share of them who are customers at the end of their first month, the next, …"))


class RetentionReportSerializer(RatesSerializer):
    to = serializers.DateField(help_text="The last day (the end is the day after).")
    definition = serializers.CharField()
    k = serializers.FloatField(allow_null=True)
    p = serializers.FloatField(allow_null=True)
    segment = serializers.IntegerField(allow_null=True)
    series = RetentionPeriodSerializer(many=True, help_text="The same per calendar month.")
    cohorts = CohortSerializer(many=True, help_text=(
        "Cohorts by month of first purchase in the period."))

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text="The first day.")
        return fields


class RetentionDashboardQuerySerializer(serializers.Serializer):
    """?definition=&segment= (both optional)."""

    definition = serializers.ChoiceField(
        choices=["purchase", "contract", "p_alive"], default="purchase",
        help_text="Who counts as a customer (as for /reports/retention).")
    segment = serializers.IntegerField(required=False, min_value=1, help_text=(
        "Only customers in this segment now."))

    def validate_segment(self, value: int) -> int:
        return segment_must_exist(value)


class RetentionDashboardSerializer(RetentionReportSerializer):
    as_of = serializers.DateTimeField(help_text=(
        "When these figures were computed (a beat task recomputes them every hour)."))
