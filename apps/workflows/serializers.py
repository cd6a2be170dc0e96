"""Request and response shapes of the workflows API. Graph and settings are checked by
pydantic in schemas.py (so errors name `graph.nodes.3.config.body`); here they are JSON
fields documented with their real OpenAPI shape."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.workflows.models import (
    BlockTemplate,
    BlockTemplateVersion,
    Workflow,
    WorkflowTestCase,
    WorkflowVersion,
)
from apps.workflows.schemas import MAX_EDGES, MAX_NODES
from blocks.base import Category
from blocks.registry import BLOCKS

# The first action of the registry, as the example of a node type in the API docs.
_EXAMPLE_TYPE = next(spec.type for spec in BLOCKS if spec.category == Category.ACTION)

_NODE_ID = {"type": "string", "minLength": 1, "maxLength": 64,
            "pattern": "^[A-Za-z0-9_.:\\-]+$"}
GRAPH_OPENAPI: dict[str, Any] = {
    "type": "object",
    "description": "The workflow graph, schema_version 1 (see docs/workflows.md).",
    "required": ["schema_version", "nodes"],
    "properties": {
        "schema_version": {"type": "integer", "example": 1},
        "nodes": {"type": "array", "maxItems": MAX_NODES, "items": {
            "type": "object",
            "required": ["id", "type"],
            "properties": {
                "id": _NODE_ID,
                "type": {"type": "string", "minLength": 1, "maxLength": 100,
                         "description": "A block type of the catalog (GET /api/v1/blocks).",
                         "example": _EXAMPLE_TYPE},
                "config": {"type": "object", "additionalProperties": True},
                "position": {"type": "object", "required": ["x", "y"],
                             "properties": {"x": {"type": "number"}, "y": {"type": "number"}}},
                "label": {"type": "string", "maxLength": 200},
                "version": {"type": "integer", "minimum": 1, "maximum": 1000, "example": 2,
                            "description": "The block version the node uses (its config "
                            "follows that version's schema). Saved graphs always name it; "
                            "a node sent without it is version 1. New nodes take the "
                            "catalog's version of the block (GET /api/v1/blocks)."},
                "template": {"type": "object", "required": ["id", "version"],
                             "description": "A reusable block template version this node uses.",
                             "properties": {"id": {"type": "integer", "minimum": 1},
                                            "version": {"type": "integer", "minimum": 1}}},
            },
        }},
        "edges": {"type": "array", "maxItems": MAX_EDGES, "items": {
            "type": "object",
            "required": ["source", "target"],
            "properties": {
                "id": {"type": "string", "maxLength": 200},
                "source": _NODE_ID,
                "source_port": {"type": "string", "minLength": 1, "maxLength": 64,
                                "default": "out"},
                "target": _NODE_ID,
            },
        }},
    },
}
_MONEY = {"type": "string", "format": "decimal", "example": "0.05",
          "description": "A non-negative amount (a JSON number is accepted too)."}
_NULLABLE_INT = {"type": "integer", "nullable": True, "minimum": 1}
SETTINGS_OPENAPI: dict[str, Any] = {
    "type": "object",
    "description": "Workflow settings; omitted keys take their defaults.",
    "properties": {
        "re_entry": {"type": "object", "properties": {
            "policy": {"type": "string", "enum": ["once", "once_per_period", "always"],
                       "default": "once"},
            "period_days": {**_NULLABLE_INT, "maximum": 3650,
                            "description": "Required for once_per_period."},
        }},
        "max_active_runs_per_customer": {"type": "integer", "minimum": 1, "maximum": 100,
                                         "default": 1},
        "control_percent": {"type": "integer", "minimum": 0, "maximum": 50, "default": 0,
                            "description": "Share of entering customers held out as the "
                                           "control group: they get nothing."},
        "goal": {"type": "object", "nullable": True, "required": ["event_type"], "properties": {
            "event_type": {"type": "string", "maxLength": 100, "example": "purchase"},
            "condition": {"type": "object", "nullable": True, "additionalProperties": True},
            "value_property": {"type": "string", "nullable": True, "maxLength": 64,
                               "example": "amount",
                               "description": "The event property holding its value."},
            "within_days": {**_NULLABLE_INT, "maximum": 3650,
                            "description": "A conversion counts within this many days "
                                           "after entering; empty: any time."},
        }},
        "costs": {"type": "object", "properties": {
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "EUR"},
            "email": _MONEY, "sms": {**_MONEY, "description": "Per SMS segment."},
            "call_task": {**_MONEY, "description": "Fixed cost per agent task."},
            "agent_minute": _MONEY,
            "task_minutes": {**_MONEY, "description": "Expected agent minutes per task."},
            "free_shipping": {**_MONEY, "description": "Cost of a redeemed free-shipping "
                                                   "offer (other offers cost their discount)."},
            "retained_customer_value": {**_MONEY, "description": (
                "Value of a kept customer when their CLV is unknown (or not used).")},
            "use_clv": {"type": "boolean", "description": (
                "Value a kept customer at their CLV (apps.insights) when known; "
                "default true.")},
        }},
        "throttle": {"type": "object", "properties": {
            "runs_per_minute": _NULLABLE_INT, "max_concurrent_runs": _NULLABLE_INT,
        }},
    },
}
OBJECT_OPENAPI = {"type": "object", "additionalProperties": True}


@extend_schema_field(GRAPH_OPENAPI)
class GraphField(serializers.JSONField):
    pass


@extend_schema_field(SETTINGS_OPENAPI)
class SettingsField(serializers.JSONField):
    pass


@extend_schema_field(OBJECT_OPENAPI)
class ObjectField(serializers.JSONField):
    """A JSON object (not a list or a scalar)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Expected a JSON object.", code="type_error")
        return value


# --- validation issues --------------------------------------------------------------------


class ValidationIssueSerializer(serializers.Serializer):
    node = serializers.CharField(allow_null=True, help_text="The node's id, or null.")
    field = serializers.CharField(allow_blank=True, help_text="Relative to the node "
                                  "(config.body) or to the graph (edges.2.source_port).")
    code = serializers.CharField()
    message = serializers.CharField()
    path = serializers.CharField(help_text="Full path in the request body, e.g. "
                                 "graph.nodes.3.config.body")


class ValidationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    errors = ValidationIssueSerializer(many=True)
    warnings = ValidationIssueSerializer(many=True)


class ConflictErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class WorkflowConflictSerializer(serializers.Serializer):
    """409: a stale revision, a refused transition, or a frozen object."""

    detail = serializers.CharField()
    errors = ConflictErrorItemSerializer(many=True)
    current_revision = serializers.IntegerField(required=False)
    state = serializers.CharField(required=False)


# --- workflows ----------------------------------------------------------------------------


class WorkflowSerializer(serializers.ModelSerializer):
    """A workflow in lists: status, published version number and last change."""

    version = serializers.SerializerMethodField(help_text="Published version number, or null.")
    revision = serializers.IntegerField(source="draft_revision", read_only=True)
    has_unpublished_changes = serializers.BooleanField(read_only=True)
    updated_by = serializers.SerializerMethodField()

    class Meta:
        model = Workflow
        fields = ["id", "name", "description", "state", "version", "revision",
                  "has_unpublished_changes", "published_at", "created_at", "updated_at",
                  "updated_by"]
        read_only_fields = fields

    def get_version(self, workflow: Workflow) -> int | None:
        version = workflow.published_version
        return version.number if version is not None else None

    def get_updated_by(self, workflow: Workflow) -> str | None:
        return workflow.updated_by.get_username() if workflow.updated_by else None


class WorkflowDetailSerializer(WorkflowSerializer):
    graph = GraphField(source="draft_graph", read_only=True)
    settings = SettingsField(source="draft_settings", read_only=True)
    webhook_secret = serializers.SerializerMethodField(
        help_text="Secret for this workflow's inbound webhook URL; shown to composers only."
    )

    webhook_url = serializers.SerializerMethodField(
        help_text="POST JSON here to start the workflow's trigger.webhook node (absolute "
                  "URL with the secret); null without such a node, or for viewers."
    )

    class Meta(WorkflowSerializer.Meta):
        fields = [*WorkflowSerializer.Meta.fields, "graph", "settings", "webhook_secret",
                  "webhook_url"]
        read_only_fields = fields

    def get_webhook_secret(self, workflow: Workflow) -> str | None:
        from apps.accounts.capabilities import Capability

        user = getattr(self.context.get("request"), "user", None)
        allowed = user is not None and Capability.WORKFLOWS_WRITE in user.capabilities
        return workflow.webhook_secret if allowed else None

    def get_webhook_url(self, workflow: Workflow) -> str | None:
        from apps.engine.webhook import webhook_url, workflow_has_webhook

        secret = self.get_webhook_secret(workflow)
        published = workflow.published_version
        graphs = [workflow.draft_graph, published.graph if published else None]
        if secret is None or not any(workflow_has_webhook(graph) for graph in graphs):
            return None
        return webhook_url(workflow.pk, secret, self.context.get("request"))


class WorkflowSavedSerializer(WorkflowDetailSerializer):
    validation = serializers.SerializerMethodField()

    class Meta(WorkflowDetailSerializer.Meta):
        fields = [*WorkflowDetailSerializer.Meta.fields, "validation"]
        read_only_fields = fields

    @extend_schema_field(ValidationResultSerializer)
    def get_validation(self, workflow: Workflow) -> dict[str, Any]:
        return self.context["validation"].as_dict()


class NodeUpgradeSerializer(serializers.Serializer):
    node = serializers.CharField(help_text="The node's id.")
    type = serializers.CharField()
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()


class WorkflowBlocksUpgradeSerializer(serializers.Serializer):
    """`revision` is the draft revision you loaded (or send an `If-Match` header); a stale
    one is a 409. Without `nodes`, every node on an older block version is upgraded."""

    revision = serializers.IntegerField(required=False, min_value=1)
    nodes = serializers.ListField(child=serializers.CharField(max_length=64), required=False,
                                  max_length=500, help_text="Ids of the nodes to upgrade.")


class WorkflowUpgradedSerializer(WorkflowSavedSerializer):
    upgraded = serializers.SerializerMethodField()

    class Meta(WorkflowSavedSerializer.Meta):
        fields = [*WorkflowSavedSerializer.Meta.fields, "upgraded"]
        read_only_fields = fields

    @extend_schema_field(NodeUpgradeSerializer(many=True))
    def get_upgraded(self, workflow: Workflow) -> list[dict[str, Any]]:
        return list(self.context["upgraded"])


class StarterSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField(),
                                  help_text="The blocks' titles, in order.")
    used_by = serializers.IntegerField(allow_null=True, help_text="The newest workflow "
                                       "started from this starter (not archived), if any.")


class WorkflowCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=10_000)
    graph = GraphField(required=False, help_text="Defaults to an empty graph.")
    settings = SettingsField(required=False)


class WorkflowSaveSerializer(serializers.Serializer):
    """Omitted fields stay as they are. `revision` is the draft revision you loaded (or
    send it as an `If-Match` header); a stale one is a 409."""

    revision = serializers.IntegerField(required=False, min_value=1)
    name = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    graph = GraphField(required=False)
    settings = SettingsField(required=False)


class WorkflowPublishSerializer(serializers.Serializer):
    revision = serializers.IntegerField(required=False, min_value=1,
                                        help_text="If sent, publish only if the draft is "
                                        "still at this revision (else 409).")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class VersionNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class WorkflowVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()
    is_published = serializers.SerializerMethodField(
        help_text="This is the version that runs now.")

    class Meta:
        model = WorkflowVersion
        fields = ["number", "note", "created_by", "created_at", "is_published"]
        read_only_fields = fields

    def get_created_by(self, version: WorkflowVersion) -> str | None:
        return version.created_by.get_username() if version.created_by else None

    def get_is_published(self, version: WorkflowVersion) -> bool:
        return version.workflow.published_version_id == version.pk


class WorkflowVersionDetailSerializer(WorkflowVersionSerializer):
    graph = GraphField(read_only=True)
    resolved_graph = GraphField(read_only=True, help_text="What the engine runs: block-template "
                                "nodes carry their effective config.")
    settings = SettingsField(read_only=True)

    class Meta(WorkflowVersionSerializer.Meta):
        fields = [*WorkflowVersionSerializer.Meta.fields, "graph", "resolved_graph", "settings"]
        read_only_fields = fields


@extend_schema_field({"nullable": True, "description": "Any JSON value."})
class AnyValueField(serializers.JSONField):
    pass


class DiffNodeSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField(allow_null=True)
    title = serializers.CharField(help_text="The title on the canvas card (numbered when "
                                  "two blocks share one).")


class DiffFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(help_text="The field's label in the block form.")
    old = AnyValueField(allow_null=True)
    new = AnyValueField(allow_null=True)


class DiffNodeChangeSerializer(DiffNodeSerializer):
    title_before = serializers.CharField()
    type_changed = serializers.BooleanField()
    config_keys_changed = serializers.ListField(child=serializers.CharField())
    fields = DiffFieldSerializer(many=True)
    template_changed = serializers.BooleanField()
    label_changed = serializers.BooleanField()
    moved = serializers.BooleanField()


class DiffEdgeSerializer(serializers.Serializer):
    source = serializers.CharField()
    source_port = serializers.CharField()
    target = serializers.CharField()
    source_title = serializers.CharField()
    target_title = serializers.CharField()


class DiffSettingSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(help_text="The setting's label in the settings panel.")
    old = AnyValueField(allow_null=True)
    new = AnyValueField(allow_null=True)


class VersionDiffSerializer(serializers.Serializer):
    base = serializers.CharField(help_text="What is compared against: a version number, "
                                 "'empty' or 'draft'.")
    target = serializers.CharField(help_text="The version number, or 'draft'.")
    nodes_added = DiffNodeSerializer(many=True)
    nodes_removed = DiffNodeSerializer(many=True)
    nodes_changed = DiffNodeChangeSerializer(many=True)
    edges_added = DiffEdgeSerializer(many=True)
    edges_removed = DiffEdgeSerializer(many=True)
    settings_changed = DiffSettingSerializer(many=True)
    summary = serializers.ListField(child=serializers.CharField())


# --- portable JSON ------------------------------------------------------------------------


class PortableTestCaseSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    given = ObjectField()
    expect = ObjectField()


class WorkflowPortableSerializer(serializers.Serializer):
    """A workflow as portable JSON: no ids, users or secrets."""

    format = serializers.ChoiceField(choices=["keepflow.workflow"])
    format_version = serializers.IntegerField(min_value=1, max_value=1)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=10_000)
    graph = GraphField()
    settings = SettingsField(required=False)
    test_cases = PortableTestCaseSerializer(many=True, required=False, max_length=200)


# --- test cases ---------------------------------------------------------------------------

GIVEN_OPENAPI: dict[str, Any] = {
    "type": "object",
    "description": "The situation: a customer (a profile, or the external id of a real "
                   "customer), the event that arrives, and what happens later.",
    "properties": {
        "customer": {"oneOf": [{"type": "string", "description": "external id"},
                               {"type": "object", "additionalProperties": True}]},
        "event": {"type": "object", "nullable": True, "properties": {
            "type": {"type": "string"}, "properties": {"type": "object"},
            "occurred_at": {"type": "string", "format": "date-time"}}},
        "trigger": {"type": "string", "nullable": True,
                    "description": "Start at this trigger node (default: the first that "
                                   "matches the event)."},
        "now": {"type": "string", "format": "date-time", "nullable": True},
        "later_events": {"type": "array", "items": {"type": "object"}},
        "segments": {"type": "array", "items": {"type": "integer"}},
    },
}
EXPECT_OPENAPI: dict[str, Any] = {
    "type": "object",
    "description": "What should happen; omitted keys are not checked.",
    "properties": {
        "path": {"type": "array", "nullable": True, "items": {"type": "string"}},
        "effects": {"type": "array", "nullable": True,
                    "items": {"type": "object", "required": ["type"],
                              "additionalProperties": True}},
        "outcome": {"type": "string", "nullable": True,
                    "enum": ["completed", "exited", "failed", "not_triggered", None]},
    },
}


@extend_schema_field(GIVEN_OPENAPI)
class GivenField(serializers.JSONField):
    pass


@extend_schema_field(EXPECT_OPENAPI)
class ExpectField(serializers.JSONField):
    pass


class WorkflowTestCaseSerializer(serializers.ModelSerializer):
    given = GivenField()
    expect = ExpectField()
    last_result = ObjectField(read_only=True, allow_null=True)

    class Meta:
        model = WorkflowTestCase
        fields = ["id", "name", "given", "expect", "last_result", "last_run_at", "created_at",
                  "updated_at"]
        read_only_fields = ["id", "last_result", "last_run_at", "created_at", "updated_at"]
        # uniqueness per workflow is checked in the service (the workflow comes from the URL)
        validators: list[Any] = []


class CaseDiffSerializer(serializers.Serializer):
    what = serializers.ChoiceField(choices=["path", "effects", "outcome", "error"])
    expected = AnyValueField(allow_null=True)
    actual = AnyValueField(allow_null=True)
    message = serializers.CharField()


class CaseStepSerializer(serializers.Serializer):
    node = serializers.CharField()
    type = serializers.CharField()
    outcome = serializers.CharField()
    port = serializers.CharField(allow_null=True)
    detail = serializers.CharField(allow_blank=True)


class CaseActualSerializer(serializers.Serializer):
    path = serializers.ListField(child=serializers.CharField())
    effects = serializers.ListField(child=ObjectField())
    outcome = serializers.CharField()
    error = serializers.CharField(allow_null=True)
    steps = CaseStepSerializer(many=True)


class CaseResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    passed = serializers.BooleanField()
    diff = CaseDiffSerializer(many=True)
    actual = CaseActualSerializer()


class CaseRunSerializer(serializers.Serializer):
    passed = serializers.BooleanField(help_text="Every case passed.")
    total = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = CaseResultSerializer(many=True)


# --- block templates ----------------------------------------------------------------------


class ExposedFieldSerializer(serializers.Serializer):
    field = serializers.CharField(max_length=100)
    label = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    help = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class BlockTemplateVersionSerializer(serializers.ModelSerializer):
    preset = ObjectField()
    locked_fields = serializers.ListField(child=serializers.CharField(max_length=100),
                                          max_length=100)
    exposed_fields = ExposedFieldSerializer(many=True, max_length=100)

    class Meta:
        model = BlockTemplateVersion
        fields = ["number", "state", "preset", "locked_fields", "exposed_fields",
                  "base_version", "published_at", "created_at", "updated_at"]
        read_only_fields = fields


class BlockTemplateSerializer(serializers.ModelSerializer):
    """A block template with its newest version (the one edited while it is a draft)
    and the newest published one (the one the palette offers)."""

    latest = serializers.SerializerMethodField()
    published = serializers.SerializerMethodField()

    class Meta:
        model = BlockTemplate
        fields = ["id", "name", "description", "base_type", "icon", "latest", "published",
                  "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(BlockTemplateVersionSerializer(allow_null=True))
    def get_latest(self, template: BlockTemplate) -> dict[str, Any] | None:
        versions = _versions(template)
        return BlockTemplateVersionSerializer(versions[0]).data if versions else None

    @extend_schema_field(BlockTemplateVersionSerializer(allow_null=True))
    def get_published(self, template: BlockTemplate) -> dict[str, Any] | None:
        published = [v for v in _versions(template) if v.state == "published"]
        return BlockTemplateVersionSerializer(published[0]).data if published else None


def _versions(template: BlockTemplate) -> list[BlockTemplateVersion]:
    """Newest first; uses the prefetched versions when the view prefetched them."""
    return sorted(template.versions.all(), key=lambda v: -v.number)


class BlockTemplateWriteSerializer(serializers.Serializer):
    """Create a template (version 1, a draft) or change it. Preset, locked and exposed
    fields can change only while the newest version is a draft."""

    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    base_type = serializers.CharField(max_length=100, required=False,
                                      help_text="Set on create; fixed afterwards.")
    icon = serializers.CharField(max_length=50, required=False, allow_blank=True)
    preset = ObjectField(required=False)
    locked_fields = serializers.ListField(child=serializers.CharField(max_length=100),
                                          required=False, max_length=100)
    exposed_fields = ExposedFieldSerializer(many=True, required=False, max_length=100)

