from rest_framework import serializers

from apps.integrations.http import FORBIDDEN_HEADERS
from apps.integrations.models import Credential, CredentialKind

HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+.^_`|~\-]+$"


class CredentialSerializer(serializers.ModelSerializer):
    """What anyone may see of a credential: never the secret."""

    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = Credential
        fields = ["id", "name", "kind", "header_name", "username", "has_secret", "created_at",
                  "updated_at"]
        read_only_fields = fields

    def get_has_secret(self, credential: Credential) -> bool:
        return bool(credential.secret_encrypted)


class CredentialWriteSerializer(serializers.ModelSerializer):
    secret = serializers.CharField(write_only=True, max_length=4000, trim_whitespace=False)
    header_name = serializers.RegexField(HEADER_NAME, max_length=100, required=False,
                                         allow_blank=True, default="")
    username = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                     default="")
    kind = serializers.ChoiceField(choices=CredentialKind.choices)

    class Meta:
        model = Credential
        fields = ["name", "kind", "header_name", "username", "secret"]

    def validate_secret(self, value: str) -> str:
        if not value or any(c in value for c in "\r\n\0"):
            raise serializers.ValidationError("a non-empty value without line breaks")
        return value

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
        if merged["kind"] == CredentialKind.BASIC:
            if not merged["username"]:
                errors["username"] = ["required for kind=basic"]
            elif ":" in merged["username"]:
                errors["username"] = ["a basic-auth user name has no colon"]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
