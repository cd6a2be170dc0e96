"""API-key authentication: `Authorization: Bearer <key>`, and HTTP Basic with the key as
user name for Segment-compatible clients (their "write key")."""

import base64
import binascii
from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from apps.accounts.capabilities import Capability, capabilities_for_scopes
from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_authenticate


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """request.user for API-key requests: what the key's scopes allow, nothing more."""

    key: ApiKey

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False

    @property
    def capabilities(self) -> frozenset[Capability]:
        return capabilities_for_scopes(self.key.scopes)

    @property
    def pk(self) -> None:
        return None

    def __str__(self) -> str:
        return f"api-key:{self.key.prefix}"


def _principal(raw_key: str) -> tuple[ApiKeyPrincipal, ApiKey]:
    key = api_key_authenticate(raw_key)
    if key is None:
        raise exceptions.AuthenticationFailed("Invalid, revoked or expired API key.")
    return ApiKeyPrincipal(key), key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Authorization header must be 'Bearer <key>' with no spaces in the key."
            )
        return _principal(header[1])

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class WriteKeyBasicAuthentication(authentication.BaseAuthentication):
    """Segment's convention: Basic auth, write key as user name, empty password."""

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"basic":
            return None
        try:
            decoded = base64.b64decode(header[1] if len(header) == 2 else b"").decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise exceptions.AuthenticationFailed("Malformed Basic credentials.") from exc
        write_key = decoded.partition(":")[0]
        if not write_key:
            raise exceptions.AuthenticationFailed("Missing write key in Basic credentials.")
        return _principal(write_key)

    def authenticate_header(self, request: Request) -> str:
        return 'Basic realm="keepflow"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents the Bearer scheme in the OpenAPI schema (and silences the generator's
    "could not resolve authenticator" warning)."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "Keepflow API key"}


class WriteKeyScheme(OpenApiAuthenticationExtension):
    target_class = WriteKeyBasicAuthentication
    name = "WriteKey"

    def get_security_definition(self, auto_schema) -> dict[str, str]:
        return {"type": "http", "scheme": "basic",
                "description": "Segment-style write key: an API key as user name, no password"}
