"""Request and response shapes of the runs API."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.engine.models import ACTIVE_STATES, Fanout, Run, Step, Wait, WaitKind
from apps.messaging.models import Message
from apps.messaging.outcomes import message_outcome

MAX_ID = 2**63 - 1
_NODE_ID = r"^[A-Za-z0-9_.:\-]+$"
_EVENT_TYPE = r"^[A-Za-z0-9_.:\-]+$"


class RunMessageSerializer(serializers.ModelSerializer[Message]):
    """A message the run wrote and what became of it: a run that ended `completed` may
    have sent nothing (suppressed), and this says so."""

    node = serializers.CharField(source="node_id", read_only=True)
    outcome = serializers.SerializerMethodField(
        help_text='In words: "sent", "delivered", "deferred: quiet hours", '
                  '"not sent: no phone number", ...')

    class Meta:
        model = Message
        fields = ["id", "node", "channel", "status", "reason", "outcome"]
        read_only_fields = fields

    def get_outcome(self, message: Message) -> str:
        return message_outcome(message.channel, message.status, message.reason,
                               (message.options or {}).get("call_outcome"))


class RunSerializer(serializers.ModelSerializer[Run]):
    """A run in a list: its summary, no working state."""

    workflow = serializers.IntegerField(source="workflow_id", read_only=True)
    workflow_name = serializers.CharField(source="workflow.name", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True,
                                       help_text="The workflow version number it runs on.")
    customer = serializers.CharField(source="customer.external_id", read_only=True,
                                     help_text="The customer's external id.")
    messages = serializers.SerializerMethodField(
        help_text="The messages the run wrote, each with its outcome (sent, suppressed "
                  "and why, deferred, failed).")

    class Meta:
        model = Run
        fields = ["id", "workflow", "workflow_name", "version", "customer", "state",
                  "trigger_node", "entry_key", "error", "failed_node", "exit_reason",
                  "holdout", "step_count", "open_waits", "messages", "created_at",
                  "updated_at", "ended_at"]
        read_only_fields = fields
        extra_kwargs = {"holdout": {"help_text": (
            'In the control group: "entry" (held out by the workflow\'s control percent: '
            'the run ended at once, exit_reason "held_out", and sent nothing), "split" '
            '(left a flow.split by its holdout port), or "" (treated).')}}

    @extend_schema_field(RunMessageSerializer(many=True))
    def get_messages(self, run: Run) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], RunMessageSerializer(
            self.context.get("messages", {}).get(run.pk, []), many=True).data)


class StepSerializer(serializers.ModelSerializer[Step]):
    """One executed node: what it did, the port it left by, how long it took."""

    node = serializers.CharField(source="node_id", read_only=True,
                                 help_text='Empty for run-level entries (cancel).')
    detail = serializers.JSONField(read_only=True)
    duration_ms = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = ["id", "node", "block_type", "visit", "outcome", "port", "detail", "error",
                  "started_at", "duration_ms"]
        read_only_fields = fields

    def get_duration_ms(self, step: Step) -> float:
        return round(step.duration_us / 1000, 3)


class WaitSerializer(serializers.ModelSerializer[Wait]):
    """What a parked branch waits for, and until when."""

    node = serializers.CharField(source="node_id", read_only=True)
    waits_for = serializers.SerializerMethodField(
        help_text="In words: a time, an event (with its timeout), a retry or a throttle.")
    until = serializers.DateTimeField(source="wake_at", read_only=True,
                                      help_text="When the timer fires (an event wait's timeout).")
    timeout_port = serializers.CharField(source="port", read_only=True)
    condition = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = Wait
        fields = ["id", "node", "visit", "kind", "waits_for", "until", "event_type",
                  "condition", "timeout_port", "happened_port", "created_at", "fired_at",
                  "fired_port"]
        read_only_fields = fields

    def get_waits_for(self, wait: Wait) -> str:
        until = wait.wake_at.isoformat()
        if wait.kind == WaitKind.EVENT:
            return f"event {wait.event_type} until {until}"
        if wait.kind == WaitKind.RETRY:
            return f"retry at {until}"
        if wait.kind == WaitKind.THROTTLE:
            return f"the workflow's throttle, until {until}"
        return f"time {until}"


class RunDetailSerializer(RunSerializer):
    """A run with its step timeline, open waits and working state."""

    trigger_event = serializers.IntegerField(source="trigger_event_id", read_only=True,
                                             allow_null=True)
    frontier = serializers.JSONField(read_only=True, help_text="Nodes still to execute.")
    variables = serializers.JSONField(read_only=True, help_text="Outputs of earlier nodes.")
    steps = serializers.SerializerMethodField()
    steps_truncated = serializers.SerializerMethodField(
        help_text="True if only the newest steps are listed (see step_count), or older "
                  "steps were pruned after the retention period.")
    waits = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "trigger_event", "attempts", "frontier",
                  "variables", "steps", "steps_truncated", "waits"]
        read_only_fields = fields

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, run: Run) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]],
                    StepSerializer(self.context.get("steps", []), many=True).data)

    def get_steps_truncated(self, run: Run) -> bool:
        return len(self.context.get("steps", [])) < run.step_count

    @extend_schema_field(WaitSerializer(many=True))
    def get_waits(self, run: Run) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]],
                    WaitSerializer(self.context.get("waits", []), many=True).data)


class RunCancelSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                   default="cancelled")


class RunsCancelSerializer(serializers.Serializer[Any]):
    """Which active runs to cancel: by ids, or by workflow (and states)."""

    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
                                required=False, max_length=1000, allow_empty=False)
    workflow = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    state = serializers.ListField(
        child=serializers.ChoiceField(choices=[str(s) for s in ACTIVE_STATES]),
        required=False, allow_empty=False, max_length=3,
        help_text="Only runs in these states (default: every active state).")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                   default="cancelled")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "ids" not in attrs and "workflow" not in attrs:
            raise serializers.ValidationError(
                {"ids": ["Name the runs: `ids`, or a `workflow` (and `state`)."]})
        return attrs


class RunsCancelledSerializer(serializers.Serializer[Any]):
    cancelled = serializers.IntegerField()
    remaining = serializers.IntegerField(
        help_text="Active runs that still match (more than one call's limit): call again.")


class RunRetrySerializer(serializers.Serializer[Any]):
    """{"from": "failed_step" | "trigger"} ("from" is a Python keyword, hence get_fields)."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {"from": serializers.ChoiceField(
            choices=["failed_step", "trigger"], default="failed_step",
            help_text="failed_step: the same run goes on at the step that failed. trigger: a "
                      "new run of the current published version for the same customer.")}


class MessageOutcomeSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=["sent", "delivered", "pending", "suppressed",
                                               "deferred", "failed"])
    reason = serializers.CharField(allow_blank=True,
                                   help_text="Why it was suppressed or deferred (no_consent, "
                                             "quiet_hours, …); empty otherwise.")
    count = serializers.IntegerField()


class NodeCountsSerializer(serializers.Serializer[Any]):
    entered = serializers.IntegerField()
    waiting = serializers.IntegerField()
    exited = serializers.IntegerField()
    failed = serializers.IntegerField()
    ports = serializers.DictField(child=serializers.IntegerField())
    messages = MessageOutcomeSerializer(
        many=True, help_text="A message block's messages by what became of them (from the "
                             "outbox): leaving by `out` does not mean sent.")


class WorkflowCountsSerializer(serializers.Serializer[Any]):
    nodes = serializers.DictField(child=NodeCountsSerializer(),
                                  help_text="Per node id: runs that entered it, wait there "
                                            "now, exited or failed there, left by each port.")
    runs = serializers.DictField(child=serializers.IntegerField(),
                                 help_text="Runs of the workflow per state.")


class DryRunEventSerializer(serializers.Serializer[Any]):
    type = serializers.RegexField(_EVENT_TYPE, max_length=100)
    properties = serializers.DictField(required=False, default=dict)


class DryRunSerializer(serializers.Serializer[Any]):
    customer_id = serializers.CharField(max_length=255, help_text="A customer's external id.")
    event = DryRunEventSerializer(required=False,
                                  help_text="The triggering event (not stored).")
    version = serializers.ChoiceField(choices=["draft", "published"], default="draft")
    trigger = serializers.RegexField(_NODE_ID, max_length=64, required=False,
                                     help_text="Start at this node (default: the trigger that "
                                               "matches the event).")
    later_events = DryRunEventSerializer(  # type: ignore[call-arg]  # many: a ListSerializer
        many=True, required=False, max_length=20,
        help_text="What the customer does afterwards, in order: a wait for an event takes "
                  "the first matching one (otherwise it times out).")
    now = serializers.DateTimeField(required=False,
                                    help_text="Walk as if it were this time (default: now).")


class DryRunResultSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=["completed", "exited", "failed",
                                               "not_triggered"])
    error = serializers.CharField(allow_null=True)
    path = serializers.ListField(child=serializers.CharField(), help_text="Node ids in order.")
    steps = serializers.ListField(child=serializers.JSONField())
    effects = serializers.ListField(
        child=serializers.JSONField(),
        help_text="What the run would do (send_sms, create_task, …); nothing was done.")


class ManualStartSerializer(serializers.Serializer[Any]):
    customer_id = serializers.CharField(max_length=255, required=False,
                                        help_text="Start one run for this customer (external "
                                                  "id).")
    segment_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                          help_text="Or start one for every member of a "
                                                    "segment, in batches.")
    trigger = serializers.RegexField(_NODE_ID, max_length=64, required=False,
                                     help_text="The trigger node to enter by (default: the "
                                               "workflow's \"Manual / API\" trigger).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("customer_id" in attrs) == ("segment_id" in attrs):
            field = "segment_id" if "customer_id" in attrs else "customer_id"
            raise serializers.ValidationError(
                {field: ["Send either customer_id or segment_id (exactly one)."]})
        return attrs


class FanoutSerializer(serializers.ModelSerializer[Fanout]):
    workflow = serializers.IntegerField(source="workflow_id", read_only=True)
    segment = serializers.IntegerField(source="segment_id", read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField(help_text="processed / total, 0 to 1.")

    class Meta:
        model = Fanout
        fields = ["id", "workflow", "segment", "trigger_node", "entry_prefix", "state", "total",
                  "processed", "started", "progress", "batch_size", "created_at",
                  "finished_at"]
        read_only_fields = fields

    def get_progress(self, fanout: Fanout) -> float:
        if fanout.state == Fanout.State.DONE:
            return 1.0
        return round(min(1.0, fanout.processed / fanout.total), 4) if fanout.total else 0.0
