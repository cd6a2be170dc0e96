"""REST API of stored credentials: write-only secrets, admin-managed."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.capabilities import Capability
from apps.accounts.models import User
from apps.integrations.models import Credential
from apps.integrations.serializers import CredentialSerializer, CredentialWriteSerializer
from apps.integrations.services import credential_create, credential_update


class CredentialViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Credentials that authenticate action.http_request. Anyone may list them (to pick
    one in the canvas); only admins create, change or delete them. The secret is
    write-only: no answer ever contains it."""

    queryset = Credential.objects.all()
    serializer_class = CredentialSerializer
    lookup_value_regex = "[0-9]{1,18}"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    capabilities = {
        "create": Capability.CREDENTIALS_MANAGE,
        "partial_update": Capability.CREDENTIALS_MANAGE,
        "destroy": Capability.CREDENTIALS_MANAGE,
    }

    @extend_schema(request=CredentialWriteSerializer, responses={201: CredentialSerializer})
    def create(self, request: Request) -> Response:
        body = CredentialWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = request.user if isinstance(request.user, User) else None
        credential = credential_create(user=user, **body.validated_data)
        return Response(CredentialSerializer(credential).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CredentialWriteSerializer, responses={200: CredentialSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        credential = self.get_object()
        body = CredentialWriteSerializer(credential, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        credential = credential_update(credential.pk, changes=dict(body.validated_data))
        return Response(CredentialSerializer(credential).data)
