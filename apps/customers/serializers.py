from datetime import UTC

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.customers.models import Channel, ConsentStatus, Customer, Event
from apps.customers.validators import (
    EVENT_TYPE_HINT,
    EVENT_TYPE_PATTERN,
    normalize_phone,
    validate_time_zone,
)
from apps.insights.serializers import ChurnBreakdownSerializer


def _django_to_drf(func, value):
    try:
        return func(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc


class ConsentEntrySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ConsentStatus.choices)
    source = serializers.CharField(max_length=64, required=False, allow_blank=True)
    at = serializers.DateTimeField(required=False)


class ConsentSerializer(serializers.Serializer):
    email = ConsentEntrySerializer(required=False)
    sms = ConsentEntrySerializer(required=False)
    call = ConsentEntrySerializer(required=False)


class CustomerWriteSerializer(serializers.Serializer):
    """Body of PUT /customers/{external_id}: every field optional; attributes merge."""

    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32,
                                  help_text="E.164, e.g. +4915112345678")
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    timezone = serializers.CharField(required=False, max_length=64,
                                     help_text="IANA name, e.g. Europe/Berlin")
    locale = serializers.CharField(required=False, allow_blank=True, max_length=16)
    attributes = serializers.DictField(required=False, help_text="Merged key by key; null "
                                       "removes a key.")
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False,
                                 max_length=100)
    consent = ConsentSerializer(required=False)
    churn_score = serializers.FloatField(required=False, allow_null=True, min_value=0,
                                         max_value=1)
    clv = serializers.DecimalField(required=False, allow_null=True, max_digits=14,
                                   decimal_places=2)
    tier = serializers.CharField(required=False, allow_blank=True, max_length=32)

    def validate_phone(self, value: str) -> str:
        return _django_to_drf(normalize_phone, value)

    def validate_timezone(self, value: str) -> str:
        return _django_to_drf(validate_time_zone, value)


class CustomerSerializer(serializers.ModelSerializer):
    # Not an EmailField: the address may be empty, which `format: email` would forbid.
    email = serializers.CharField(read_only=True, help_text="E-mail address; empty if unknown.")

    class Meta:
        model = Customer
        fields = ["external_id", "email", "phone", "first_name", "last_name", "timezone",
                  "locale", "attributes", "tags", "consent", "churn_score", "clv", "tier",
                  "p_alive", "expected_purchases_90d", "churn_reason", "scored_at",
                  "created_at", "updated_at", "last_seen_at"]
        read_only_fields = fields


class TimelineItemSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="event, message, run or task")
    at = serializers.DateTimeField()
    title = serializers.CharField()
    data = serializers.DictField()


class CustomerDetailSerializer(CustomerSerializer):
    timeline = serializers.SerializerMethodField()
    segments = serializers.SerializerMethodField()

    churn_breakdown = serializers.SerializerMethodField(
        help_text="Why a contract customer has their rule score: {score, as_of, computed_at, "
                  "signals: [{signal, weight, value, points, words, raw}]}, most points "
                  "first; null for other customers (docs/insights.md).")

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "segments", "timeline", "churn_breakdown"]
        read_only_fields = fields

    @extend_schema_field(ChurnBreakdownSerializer(allow_null=True))
    def get_churn_breakdown(self, customer: Customer) -> dict | None:
        from apps.insights.selectors import customer_breakdown

        found = customer_breakdown(customer)
        if found is None:
            return None
        return {"score": found.score, "as_of": found.as_of.isoformat(),
                "computed_at": found.computed_at.isoformat(), "signals": found.signals}

    def get_timeline(self, customer: Customer) -> list[dict]:
        from apps.customers.selectors import customer_timeline

        return TimelineItemSerializer(customer_timeline(customer, limit=50), many=True).data

    def get_segments(self, customer: Customer) -> list[str]:
        return list(customer.segment_memberships.values_list("segment__name", flat=True))


class EventInSerializer(serializers.Serializer):
    customer_id = serializers.CharField(max_length=255, help_text="The customer's external id.")
    type = serializers.RegexField(EVENT_TYPE_PATTERN, max_length=100,
                                  help_text="e.g. feedback.submitted, purchase, "
                                  "Order Completed",
                                  error_messages={"invalid": EVENT_TYPE_HINT})
    properties = serializers.DictField(required=False, default=dict)
    # An explicit zone spares a lookup of the active one per event (10 % of a batch's CPU).
    occurred_at = serializers.DateTimeField(required=False, default_timezone=UTC)
    idempotency_key = serializers.CharField(max_length=200, required=False,
                                            help_text="Same key, same event: never stored twice.")


class EventBatchInSerializer(serializers.Serializer):
    events = EventInSerializer(many=True, allow_empty=False,
                               max_length=settings.KEEPFLOW_MAX_EVENT_BATCH)


class EventSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.external_id", read_only=True)

    class Meta:
        model = Event
        fields = ["id", "customer_id", "type", "properties", "occurred_at", "received_at",
                  "idempotency_key", "source"]
        read_only_fields = fields


class IngestResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="event_id")
    idempotency_key = serializers.CharField()
    duplicate = serializers.BooleanField()


class IngestResponseSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    events = IngestResultSerializer(many=True)


CHANNELS = [c.value for c in Channel]
