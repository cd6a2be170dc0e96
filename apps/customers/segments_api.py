from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from apps.accounts.capabilities import Capability
from apps.accounts.models import User
from apps.common.errors import Conflict
from apps.customers.models import Segment
from apps.customers.segments import (
    SegmentNameTaken,
    segment_create,
    segment_delete,
    segment_update,
)
from apps.customers.segments_selectors import segment_members, segment_preview
from apps.customers.segments_serializers import (
    SegmentPreviewInSerializer,
    SegmentPreviewSerializer,
    SegmentSerializer,
)
from apps.customers.serializers import CustomerSerializer

_NAME_TAKEN = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="Another segment took this name meanwhile."
)


@extend_schema_view(
    create=extend_schema(responses={201: SegmentSerializer, 409: _NAME_TAKEN}),
    update=extend_schema(responses={200: SegmentSerializer, 409: _NAME_TAKEN}),
    partial_update=extend_schema(responses={200: SegmentSerializer, 409: _NAME_TAKEN}),
)
class SegmentViewSet(viewsets.ModelViewSet):
    """Segments: named conditions over customers, with membership kept current.
    Creating or changing the condition computes membership before answering."""

    queryset = Segment.objects.all()
    serializer_class = SegmentSerializer
    capabilities = {
        "create": Capability.SEGMENTS_WRITE,
        "update": Capability.SEGMENTS_WRITE,
        "partial_update": Capability.SEGMENTS_WRITE,
        "destroy": Capability.SEGMENTS_WRITE,
        "preview": Capability.READ,
    }

    def perform_create(self, serializer: BaseSerializer) -> None:
        creator = self.request.user if isinstance(self.request.user, User) else None
        try:
            serializer.instance = segment_create(**serializer.validated_data, created_by=creator)
        except SegmentNameTaken as exc:
            raise Conflict(str(exc)) from exc

    def perform_update(self, serializer: BaseSerializer) -> None:
        try:
            serializer.instance = segment_update(serializer.instance, **serializer.validated_data)
        except SegmentNameTaken as exc:
            raise Conflict(str(exc)) from exc

    def perform_destroy(self, instance: Segment) -> None:
        segment_delete(instance)

    @extend_schema(request=SegmentPreviewInSerializer, responses=SegmentPreviewSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        """Live count of a condition (nothing is saved) and a few matching customers."""
        serializer = SegmentPreviewInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preview = segment_preview(serializer.validated_data["condition"])
        return Response(SegmentPreviewSerializer(preview).data, status=status.HTTP_200_OK)

    @extend_schema(responses=CustomerSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request: Request, pk: str | None = None) -> Response:
        """The segment's current members, newest customers first."""
        page = self.paginate_queryset(segment_members(self.get_object()))
        return self.get_paginated_response(CustomerSerializer(page, many=True).data)
