from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import ApiKeyPrincipal
from apps.accounts.capabilities import Capability
from apps.accounts.models import ApiKey, User
from apps.accounts.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeySerializer,
    MeSerializer,
    MeUpdateSerializer,
)
from apps.accounts.services import api_key_create, api_key_revoke, user_language_set


class ApiKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """API keys (admins only). The secret is returned once, on creation."""

    queryset = ApiKey.objects.all()
    serializer_class = ApiKeySerializer
    capabilities = {
        "list": Capability.API_KEYS_MANAGE,
        "retrieve": Capability.API_KEYS_MANAGE,
        "create": Capability.API_KEYS_MANAGE,
        "destroy": Capability.API_KEYS_MANAGE,
        "revoke": Capability.API_KEYS_MANAGE,
    }

    @extend_schema(request=ApiKeySerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = ApiKeySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        creator = request.user if isinstance(request.user, User) else None
        key, raw = api_key_create(
            name=serializer.validated_data["name"],
            scopes=serializer.validated_data["scopes"],
            expires_at=serializer.validated_data.get("expires_at"),
            created_by=creator,
        )
        key.key = raw  # type: ignore[attr-defined]
        return Response(ApiKeyCreatedSerializer(key).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiKey) -> None:
        api_key_revoke(instance)

    @extend_schema(request=None, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        return Response(ApiKeySerializer(api_key_revoke(self.get_object())).data)


class MeApi(APIView):
    """Who is calling and what they may do (the front end shapes its menus from this);
    PATCH sets the caller's own preferences (their language), for any signed-in role."""

    capabilities = {"PATCH": Capability.READ}

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(self._me(request.user))

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer)
    def patch(self, request: Request) -> Response:
        body = MeUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        user = request.user
        if not isinstance(user, User):
            raise ValidationError({"language": [_("An API key has no language of its own.")]},
                                  code="not_a_person")
        if "language" in body.validated_data:
            user_language_set(user, body.validated_data["language"])
        return Response(self._me(user))

    @staticmethod
    def _me(user: User | ApiKeyPrincipal) -> dict[str, Any]:
        if isinstance(user, ApiKeyPrincipal):
            name, role, language = str(user), "api_key", ""
        else:
            name, role, language = user.get_username(), user.role, user.language
        return {"username": name, "role": role, "capabilities": sorted(user.capabilities),
                "currency": settings.KEEPFLOW_CURRENCY, "language": language}
