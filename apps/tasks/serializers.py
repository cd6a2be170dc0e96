import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.tasks.business_hours import hours_valid
from apps.tasks.models import Task, TaskOutcome, TaskQueue
from apps.tasks.sla import SLA_STATES, sla_state


class TaskSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.external_id", read_only=True)
    assignee = serializers.CharField(source="assignee.username", read_only=True,
                                     allow_null=True, default=None)
    sla = serializers.SerializerMethodField(
        help_text="Where the task stands against its queue's response target: on_track, "
                  "at_risk (three quarters of the time gone), overdue, met, missed; null "
                  "when the queue sets no target or the task was cancelled.")

    class Meta:
        model = Task
        fields = ["id", "customer", "kind", "queue", "title", "notes", "priority", "state",
                  "assignee", "due_at", "requested_due_at", "respond_by", "sla", "outcome",
                  "run_id", "workflow_id", "node_id", "claimed_at", "closed_at", "created_at",
                  "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=SLA_STATES, allow_null=True))
    def get_sla(self, task: Task) -> str | None:
        now: dt.datetime = self.context.get("now") or timezone.now()
        return sla_state(task, now)


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


class QueueSlaSerializer(serializers.Serializer):
    queue = serializers.CharField()
    at_risk = serializers.IntegerField()
    overdue = serializers.IntegerField()


class SlaSummarySerializer(serializers.Serializer):
    """Open tasks at risk of missing their target, and past it."""

    at_risk = serializers.IntegerField()
    overdue = serializers.IntegerField()
    queues = QueueSlaSerializer(many=True)


class SlaWeekSerializer(serializers.Serializer):
    queue = serializers.CharField()
    week = serializers.DateField(help_text="The Monday (UTC) of the week the targets fell in.")
    met = serializers.IntegerField(help_text="Done by the target.")
    missed = serializers.IntegerField(help_text="Done late, or still open past the target.")
    pending = serializers.IntegerField(help_text="Open and still in time.")
    share_met = serializers.FloatField(allow_null=True,
                                       help_text="met / (met + missed); null when none.")


@extend_schema_field({"type": "string", "pattern": r"^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
                      "example": "09:00"})
class _ClockField(serializers.TimeField):
    """A wall-clock time in the queue's zone ("09:00"): no offset, unlike OpenAPI's time."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class TaskQueueSerializer(serializers.ModelSerializer):
    opens = _ClockField(required=False, help_text="Opening time in the queue's zone.")
    closes = _ClockField(required=False, help_text=(
        "Closing time in the queue's zone; 00:00 is midnight (open to the end of the day)."))
    weekdays = serializers.ListField(
        source="weekday_list", child=serializers.IntegerField(min_value=0, max_value=6),
        min_length=1, max_length=7, required=False,
        help_text="Working days, 0 = Monday … 6 = Sunday.")

    class Meta:
        model = TaskQueue
        fields = ["name", "timezone", "weekdays", "opens", "closes", "response_target_minutes"]

    def validate(self, attrs: dict) -> dict:
        opens = attrs.get("opens", getattr(self.instance, "opens", None))
        closes = attrs.get("closes", getattr(self.instance, "closes", None))
        if opens is not None and closes is not None and not hours_valid(opens, closes):
            raise serializers.ValidationError(
                {"closes": [_("Closing time must be after the opening time.")]})
        if "weekday_list" in attrs:
            days = sorted(set(attrs.pop("weekday_list")))
            attrs["weekdays"] = ",".join(str(day) for day in days)
        return attrs
