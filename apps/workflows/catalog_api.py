"""The block catalog and template tools for the canvas (READ). The views live here, not
in the block library: blocks know nothing of HTTP, accounts or customer rows.

GET  /api/v1/blocks               the palette: every block with schemas and ports
GET  /api/v1/templates/variables  what a template can use, for the variable picker
POST /api/v1/templates/preview    render a template against a real customer (and event)

The preview only renders data the caller may already read, so READ is enough.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.capabilities import Capability
from apps.common.templating import MAX_TEMPLATE_CHARS, TEMPLATE_VARIABLES, template_preview
from apps.customers.models import Customer, Event
from apps.messaging.serializers import SmsSizeSerializer
from blocks.registry import catalog
from blocks.variants import LOCALE_PATTERN


class DynamicPortsSerializer(serializers.Serializer):
    list_field = serializers.CharField(allow_blank=True,
                                       help_text="Config list whose items name ports.")
    name_key = serializers.CharField()
    always = serializers.ListField(child=serializers.CharField())
    when_positive = serializers.ListField(child=serializers.DictField(
        child=serializers.CharField()), help_text="[{port, field}]: port while field > 0.")
    when_equals = serializers.ListField(child=serializers.DictField(
        child=serializers.CharField()), help_text="[{port, field, value}]: port while equal.")


class TriggerDeclarationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["event", "scan", "webhook", "manual"],
                                   help_text="How runs start at this trigger.")
    listens_to = serializers.CharField(allow_blank=True, help_text=(
        "The event type it listens to, a template over the config: {event_type}."))
    audience_segment = serializers.CharField(allow_blank=True, help_text=(
        "The config field naming the segment the audience is limited to."))
    scan = serializers.CharField(allow_null=True, help_text="The periodic scan (scan kind).")


class SummaryWhenSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="A config field (the schema's default when unset).")
    op = serializers.ChoiceField(choices=["eq", "ne", "set", "unset", "lt", "gt"])
    value = serializers.JSONField(allow_null=True, help_text="What eq, ne, lt, gt compare with.")


class SummaryLineSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, help_text=(
        "Words with placeholders over config fields: {field} or {field|formatter}."))
    parts = serializers.ListField(child=serializers.CharField(), help_text=(
        "Instead of text: pieces joined by ', ', the empty ones left out."))
    when = SummaryWhenSerializer(many=True, help_text="All must hold for the line to show.")
    count = serializers.CharField(allow_blank=True, help_text=(
        "The config field whose number picks the plural form (a list: its length)."))
    forms = serializers.DictField(child=serializers.CharField(), allow_null=True, help_text=(
        "Plural forms by CLDR category (one, few, many, other); null when not plural."))
    values = serializers.DictField(child=serializers.CharField(), help_text=(
        "Placeholder values the block fixes (used before the config's)."))


class CatalogEntrySerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Unique in the catalog: the type for core and "
                                          "package blocks.")
    # `source`, `label` and `errors` are also attributes of DRF's fields and serializers:
    # here they are the names of the answer's keys.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["core", "package", "template"])
    package = serializers.CharField(allow_null=True, help_text=(
        "The Python distribution that ships a package block; null otherwise."))
    type = serializers.CharField(help_text="The block type a node of this entry has.")
    version = serializers.IntegerField(min_value=1, help_text="The block version a node of "
                                       "this entry has (its `version` in the graph).")
    latest_version = serializers.IntegerField(
        min_value=1, help_text="The newest version of the block. Older versions (key "
        "type@version) are listed after the core blocks so the canvas can show nodes that "
        "still use them; the palette offers only the newest.")
    category = serializers.ChoiceField(choices=["trigger", "flow", "action"])
    group = serializers.CharField(help_text="Palette group.")
    label = serializers.CharField()  # type: ignore[assignment]
    description = serializers.CharField()
    icon = serializers.CharField(help_text="A lucide icon name.")
    config_schema = serializers.DictField(help_text="JSON Schema of the config (@rjsf).")
    ui_schema = serializers.DictField(help_text="@rjsf uiSchema: custom widgets and fields.")
    ports = serializers.ListField(child=serializers.CharField(),
                                  help_text="Fixed output ports; empty when dynamic.")
    dynamic_ports = DynamicPortsSerializer(allow_null=True,
                                           help_text="How ports derive from the config.")
    example_ports = serializers.ListField(child=serializers.CharField(),
                                          help_text="The ports of example_config.")
    template_fields = serializers.ListField(child=serializers.CharField(),
                                            help_text="Liquid fields; name.* = every value.")
    trigger = TriggerDeclarationSerializer(allow_null=True, help_text=(
        "What a trigger block declares to the engine; null for other blocks."))
    example_config = serializers.DictField(help_text="A valid config for a new node.")
    template = serializers.DictField(allow_null=True,
                                     help_text="Reusable block template details, else null.")
    summary = SummaryLineSerializer(many=True, help_text=(
        "What a node does, in the reader's language: the canvas shows the first two lines "
        "whose conditions hold and whose placeholders have values."))
    channel = serializers.CharField(allow_blank=True, help_text=(
        "The message channel it sends on (sms, email), field:<name> when a config field "
        "names it; empty for blocks that send no message."))
    awaits = serializers.CharField(allow_blank=True, help_text=(
        "The config field naming the event type the block waits for; empty for none."))
    changes = serializers.CharField(allow_blank=True, help_text=(
        "What is new in this version, in one line for the reader (the canvas shows it "
        "with the upgrade offer of older nodes); empty when the block says nothing."))


class BlockCatalogApi(APIView):
    """The palette: every block with its config schema, ports and palette metadata."""

    @extend_schema(responses=CatalogEntrySerializer(many=True), operation_id="blocks_list")
    def get(self, request: Request) -> Response:
        return Response(catalog())


class TemplateVariableSerializer(serializers.Serializer):
    path = serializers.CharField()
    description = serializers.CharField()
    example = serializers.CharField()


class TemplateVariablesApi(APIView):
    """Variables a template can use (customer, event, run, offer), described in the
    reader's language."""

    @extend_schema(responses=TemplateVariableSerializer(many=True),
                   operation_id="templates_variables_list")
    def get(self, request: Request) -> Response:
        return Response([{**variable, "description": _(variable["description"])}
                         for variable in TEMPLATE_VARIABLES])


class TemplatePreviewInSerializer(serializers.Serializer):
    template = serializers.CharField(max_length=MAX_TEMPLATE_CHARS, trim_whitespace=False)
    customer_id = serializers.CharField(max_length=255, help_text="The customer's external id.")
    event_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                        help_text="One of that customer's events.")
    channel = serializers.ChoiceField(
        choices=["text", "sms", "email"], default="text",
        help_text="email escapes inserted values as HTML; sms also reports its size.",
    )
    locale = serializers.RegexField(
        LOCALE_PATTERN, required=False, max_length=16,
        help_text="Format dates, money and numbers for this locale (a variant's language, "
                  "e.g. ru) instead of the customer's own.")


class TemplateIssueSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=["error", "warning"])
    code = serializers.CharField()
    message = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    column = serializers.IntegerField(allow_null=True)


class TemplatePreviewSerializer(serializers.Serializer):
    rendered = serializers.CharField(allow_null=True)
    errors = TemplateIssueSerializer(many=True)  # type: ignore[assignment]
    warnings = TemplateIssueSerializer(many=True)
    sms = SmsSizeSerializer(allow_null=True)


class TemplatePreviewApi(APIView):
    """Render a template against a real customer (and one of their events). Template
    errors are part of the answer (200); an unknown customer or event is a 400."""

    capabilities = {"POST": Capability.READ}

    @extend_schema(request=TemplatePreviewInSerializer, responses=TemplatePreviewSerializer,
                   operation_id="templates_preview")
    def post(self, request: Request) -> Response:
        body = TemplatePreviewInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        customer = Customer.objects.filter(
            external_id=data["customer_id"], erased_at__isnull=True
        ).first()
        if customer is None:
            raise ValidationError({"customer_id": [_("no customer with this id")]},
                                  code="not_found")
        event = None
        if "event_id" in data:
            event = Event.objects.filter(pk=data["event_id"], customer=customer).first()
            if event is None:
                raise ValidationError({"event_id": [_("no event with this id for this customer")]},
                                      code="not_found")
        preview = template_preview(data["template"], customer, event,
                                   channel=data["channel"], locale=data.get("locale"))
        return Response(preview)

