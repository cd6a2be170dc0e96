"""POST /api/v1/customers/import: the CSV import as an upload, answered with its report.

The upload is bounded by KEEPFLOW_MAX_BODY_BYTES (5 MB, about 50,000 rows) and imported
within the request; larger files go through `manage.py import_customers`.
"""

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.views import APIView

from apps.accounts.capabilities import Capability
from apps.common.parsers import UNSTORABLE, unstorable_path
from apps.customers.importing import DELIMITERS, ImportFileError, customers_import


class CustomerImportInSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A CSV file with a header line; see docs/import.md.")
    mapping = serializers.CharField(
        required=False, help_text='A JSON object {"CSV column": "field"}, e.g. '
        '{"Mail": "email", "Plan": "attributes.plan", "Notes": "-"}.')
    dry_run = serializers.BooleanField(default=False, help_text="Check and report; write "
                                       "nothing.")
    consent_source = serializers.CharField(default="import", max_length=64)
    encoding = serializers.CharField(required=False, max_length=32,
                                     help_text="Default: UTF-8, UTF-16 by BOM, else cp1252.")
    delimiter = serializers.ChoiceField(choices=DELIMITERS, required=False,
                                        help_text="Default: sniffed from the header line.")

    def validate_mapping(self, value: str) -> dict[str, str]:
        try:
            mapping = json.loads(value)
        except ValueError as exc:
            raise serializers.ValidationError(f"not valid JSON: {exc}") from exc
        if not isinstance(mapping, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            raise serializers.ValidationError('expected {"CSV column": "field", ...}')
        if unstorable_path(mapping) is not None:
            raise serializers.ValidationError(UNSTORABLE)
        return mapping


class ImportRowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line in the file; the header is line 1.")
    field = serializers.CharField(help_text="The CSV column (or `row`, `file`).")
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField(help_text="Data rows read (empty lines not counted).")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text="Rows that repeat an earlier row's id "
                                          "(within 1,000 rows) and were merged into it.")
    errors = ImportRowErrorSerializer(many=True, help_text="The first 1,000 errors.")
    errors_truncated = serializers.BooleanField()


class CustomerImportApi(APIView):
    """Import customer profiles from an uploaded CSV file."""

    parser_classes = [MultiPartParser]
    capabilities = {"POST": Capability.CUSTOMERS_WRITE}

    @extend_schema(request={"multipart/form-data": CustomerImportInSerializer},
                   responses={200: ImportReportSerializer}, operation_id="customers_import")
    def post(self, request: Request) -> Response:
        serializer = CustomerImportInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            report = customers_import(
                data["file"].file, mapping=data.get("mapping"), dry_run=data["dry_run"],
                consent_source=data["consent_source"], encoding=data.get("encoding"),
                delimiter=data.get("delimiter"),
            )
        except ImportFileError as exc:
            raise serializers.ValidationError({exc.field: [exc.message]}) from exc
        return Response(ImportReportSerializer(report).data)


def customers_import_path(router: BaseRouter) -> URLPattern:
    """The URL, to list before the router's: POST imports; any other method is the detail
    route of the customer whose external id happens to be "import"."""
    detail = next(p.callback for p in router.urls if getattr(p, "name", "") == "customer-detail")
    return re_path(r"^api/v1/customers/import/?$", _by_method(CustomerImportApi, detail),
                   name="customer-import")


def _by_method(api: type[APIView], other: Callable[..., HttpResponse]) -> Callable:
    view = api.as_view()

    @csrf_exempt  # DRF enforces CSRF itself for session-authenticated requests
    def route(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            return view(request)
        return other(request, external_id="import")

    # drf-spectacular documents what `cls` answers: POST with its schema.
    route.cls = api  # type: ignore[attr-defined]
    route.initkwargs = {}  # type: ignore[attr-defined]
    return route
