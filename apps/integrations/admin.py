from urllib.parse import urlsplit

from django import forms
from django.contrib import admin

from apps.accounts.capabilities import Role, Scope
from apps.integrations.binding import host_normal, host_pattern_valid
from apps.integrations.crypto import secret_encrypt
from apps.integrations.models import AllowedHost, Credential, CredentialKind, methods_all


class CredentialForm(forms.ModelForm):
    secret = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False,
                             strip=False, help_text="Stored encrypted; leave empty to keep "
                                                    "the current one.")

    class Meta:
        model = Credential
        fields = ["name", "kind", "header_name", "username", "allowed_hosts", "allowed_methods",
                  "shared_roles", "shared_scopes"]

    def _list_check(self, field: str, valid: object) -> list[str]:
        values = self.cleaned_data.get(field) or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise forms.ValidationError('a JSON list of strings, e.g. ["crm.example.com"]')
        bad = [v for v in values if not (valid(v) if callable(valid) else v in valid)]
        if bad:
            raise forms.ValidationError(f"not allowed here: {', '.join(bad)}")
        return values

    def clean_allowed_hosts(self) -> list[str]:
        return [host_normal(h) for h in self._list_check("allowed_hosts", host_pattern_valid)]

    def clean_allowed_methods(self) -> list[str]:
        return self._list_check("allowed_methods", methods_all())

    def clean_shared_roles(self) -> list[str]:
        return self._list_check("shared_roles", [r.value for r in Role])

    def clean_shared_scopes(self) -> list[str]:
        return self._list_check("shared_scopes", [s.value for s in Scope])

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("secret"):
            self.add_error("secret", "required for a new credential")
        secret = cleaned.get("secret") or ""
        if cleaned.get("kind") == CredentialKind.URL and secret and not (
                secret.startswith("https://") and urlsplit(secret).hostname):
            self.add_error("secret", "for kind url, the whole https:// URL of the webhook")
        return cleaned

    def save(self, commit: bool = True) -> Credential:
        credential = super().save(commit=False)
        if self.cleaned_data.get("secret"):
            credential.secret_encrypted = secret_encrypt(self.cleaned_data["secret"])
        if commit:
            credential.save()
        return credential


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    form = CredentialForm
    list_display = ["name", "kind", "header_name", "username", "allowed_hosts", "updated_at"]
    search_fields = ["name"]


@admin.register(AllowedHost)
class AllowedHostAdmin(admin.ModelAdmin):
    list_display = ["host", "port", "note", "created_at"]
    search_fields = ["host", "note"]
