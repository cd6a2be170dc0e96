from django.conf import settings
from rest_framework import serializers

from apps.accounts.capabilities import Scope
from apps.accounts.models import ApiKey


class ApiKeySerializer(serializers.ModelSerializer):
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=[s.value for s in Scope]), allow_empty=False
    )

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "created_at", "last_used_at",
                  "expires_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The secret. Shown only once.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    capabilities = serializers.ListField(child=serializers.CharField())
    currency = serializers.CharField(help_text="The installation's currency (ISO 4217): "
                                     "lifetime values and purchase amounts are in it.")
    language = serializers.ChoiceField(
        choices=["", *(code for code, _name in settings.LANGUAGES)], allow_blank=True,
        help_text="The language Keepflow speaks to this person (UI, messages, block "
                  "catalog); empty: the browser's. Always empty for an API key.")


class MeUpdateSerializer(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=["", *(code for code, _name in settings.LANGUAGES)], allow_blank=True,
        help_text="en, de or ru; empty follows the browser's language.")
