from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.templating import sms_segments
from apps.messaging.models import Message, MessageChannel, Suppression


class SmsSizeSerializer(serializers.Serializer):
    """An SMS's size as carriers bill it (apps.common.templating.sms_segments)."""

    length = serializers.IntegerField(help_text="GSM-7 septets or UCS-2 code units.")
    characters = serializers.IntegerField()
    encoding = serializers.ChoiceField(choices=["GSM-7", "UCS-2"])
    segments = serializers.IntegerField()


class MessageSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.external_id", read_only=True)

    class Meta:
        model = Message
        fields = ["id", "customer", "channel", "category", "to", "subject", "status", "reason",
                  "provider", "provider_message_id", "attempts", "error", "next_attempt_at",
                  "workflow_id", "run_id", "node_id", "created_at", "updated_at", "sent_at",
                  "delivered_at", "opened_at", "clicked_at", "failed_at"]
        read_only_fields = fields


class MessageDetailSerializer(MessageSerializer):
    sms = serializers.SerializerMethodField(
        help_text="An SMS's size as carriers bill it (segments); null for e-mail.")

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "body", "options", "idempotency_key", "sms"]
        read_only_fields = fields

    @extend_schema_field(SmsSizeSerializer(allow_null=True))
    def get_sms(self, message: Message) -> dict | None:
        return dict(sms_segments(message.body)) if message.channel == MessageChannel.SMS \
            else None


class MessageFailSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SuppressionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suppression
        fields = ["id", "channel", "address", "reason", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators: list = []  # duplicates are answered with the existing entry
