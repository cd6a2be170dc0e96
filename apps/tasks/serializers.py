from rest_framework import serializers

from apps.tasks.models import Task, TaskOutcome


class TaskSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.external_id", read_only=True)
    assignee = serializers.CharField(source="assignee.username", read_only=True,
                                     allow_null=True, default=None)

    class Meta:
        model = Task
        fields = ["id", "customer", "kind", "queue", "title", "notes", "priority", "state",
                  "assignee", "due_at", "requested_due_at", "outcome", "run_id",
                  "workflow_id", "node_id", "claimed_at", "closed_at", "created_at",
                  "updated_at"]
        read_only_fields = fields


class TaskCompleteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=TaskOutcome.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class TaskCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class TaskErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class TaskErrorSerializer(serializers.Serializer):
    """400 / 409: the API's error shape."""

    detail = serializers.CharField()
    errors = TaskErrorItemSerializer(many=True)
