from rest_framework import serializers

from apps.messaging.models import Message, Suppression


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
    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "body", "options", "idempotency_key"]
        read_only_fields = fields


class MessageFailSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SuppressionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suppression
        fields = ["id", "channel", "address", "reason", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators: list = []  # duplicates are answered with the existing entry
