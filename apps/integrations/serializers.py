from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.accounts.capabilities import Role, Scope
from apps.integrations.binding import host_normal, host_pattern_valid
from apps.integrations.http import FORBIDDEN_HEADERS
from apps.integrations.models import Credential, CredentialKind, methods_all

HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+.^_`|~\-]+$"


class CredentialSerializer(serializers.ModelSerializer):
    """What anyone may see of a credential: never the secret."""

    has_secret = serializers.SerializerMethodField()
    allowed_hosts = serializers.ListField(child=serializers.CharField(), read_only=True)
    allowed_methods = serializers.ListField(child=serializers.CharField(), read_only=True)
    shared_roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    shared_scopes = serializers.ListField(child=serializers.CharField(), read_only=True)
    usable = serializers.SerializerMethodField(
        help_text="False until an admin binds the credential to at least one host.")
    problem = serializers.SerializerMethodField(
        help_text="Why the credential cannot be used yet, or an empty string.")

    class Meta:
        model = Credential
        fields = ["id", "name", "kind", "header_name", "username", "has_secret",
                  "allowed_hosts", "allowed_methods", "shared_roles", "shared_scopes",
                  "usable", "problem", "created_at", "updated_at"]
        read_only_fields = fields

    def get_has_secret(self, credential: Credential) -> bool:
        return bool(credential.secret_encrypted)

    def get_usable(self, credential: Credential) -> bool:
        return bool(credential.allowed_hosts and credential.allowed_methods)

    def get_problem(self, credential: Credential) -> str:
        if not credential.allowed_hosts:
            return _("Not bound to any host: no request will carry it until an admin lists "
                     "the hosts it may be sent to (allowed_hosts).")
        if not credential.allowed_methods:
            return _("No HTTP method allowed: no request will carry it.")
        return ""


class HostPatternField(serializers.CharField):
    """crm.example.com, 10.1.2.3 or *.example.com (any subdomain)."""

    def to_internal_value(self, data: object) -> str:
        value = host_normal(super().to_internal_value(data))
        if not host_pattern_valid(value):
            raise serializers.ValidationError(
                _("%(value)s is not a host name, an IP address or *.domain.tld") % {
                    "value": value})
        return value


class CredentialWriteSerializer(serializers.ModelSerializer):
    secret = serializers.CharField(write_only=True, max_length=4000, trim_whitespace=False)
    header_name = serializers.RegexField(HEADER_NAME, max_length=100, required=False,
                                         allow_blank=True, default="")
    username = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                     default="")
    kind = serializers.ChoiceField(choices=CredentialKind.choices)
    allowed_hosts = serializers.ListField(
        child=HostPatternField(max_length=253), min_length=1, max_length=50,
        help_text="Hosts the secret may be sent to: crm.example.com or *.example.com.")
    allowed_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=methods_all()), min_length=1,
        default=methods_all, help_text="HTTP methods it may be used with (default: all).")
    shared_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=[r.value for r in Role]), default=list,
        help_text="Roles that may put it into workflows besides admins.")
    shared_scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=[s.value for s in Scope]), default=list,
        help_text="API-key scopes that may put it into workflows.")

    class Meta:
        model = Credential
        fields = ["name", "kind", "header_name", "username", "secret", "allowed_hosts",
                  "allowed_methods", "shared_roles", "shared_scopes"]

    def validate_secret(self, value: str) -> str:
        if not value or any(c in value for c in "\r\n\0"):
            raise serializers.ValidationError("a non-empty value without line breaks")
        return value

    def validate_allowed_hosts(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate_allowed_methods(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate(self, attrs: dict) -> dict:
        merged = {"kind": getattr(self.instance, "kind", None),
                  "header_name": getattr(self.instance, "header_name", ""),
                  "username": getattr(self.instance, "username", "")}
        merged.update({k: v for k, v in attrs.items() if k in merged})
        errors = {}
        if merged["kind"] == CredentialKind.HEADER:
            if not merged["header_name"]:
                errors["header_name"] = ["required for kind=header, e.g. X-Api-Key"]
            elif merged["header_name"].lower() in FORBIDDEN_HEADERS - {"authorization"}:
                errors["header_name"] = [f"{merged['header_name']} cannot carry a credential"]
        secret = attrs.get("secret")
        if merged["kind"] == CredentialKind.URL and secret is not None and not (
                secret.startswith("https://") and urlsplit(secret).hostname):
            errors["secret"] = ["for kind=url, the whole https:// URL of the webhook"]
        if merged["kind"] == CredentialKind.BASIC:
            if not merged["username"]:
                errors["username"] = ["required for kind=basic"]
            elif ":" in merged["username"]:
                errors["username"] = ["a basic-auth user name has no colon"]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
