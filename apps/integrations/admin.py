from django import forms
from django.contrib import admin

from apps.integrations.crypto import secret_encrypt
from apps.integrations.models import AllowedHost, Credential


class CredentialForm(forms.ModelForm):
    secret = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False,
                             strip=False, help_text="Stored encrypted; leave empty to keep "
                                                    "the current one.")

    class Meta:
        model = Credential
        fields = ["name", "kind", "header_name", "username"]

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("secret"):
            self.add_error("secret", "required for a new credential")
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
    list_display = ["name", "kind", "header_name", "username", "updated_at"]
    search_fields = ["name"]


@admin.register(AllowedHost)
class AllowedHostAdmin(admin.ModelAdmin):
    list_display = ["host", "port", "note", "created_at"]
    search_fields = ["host", "note"]
