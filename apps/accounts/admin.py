from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from apps.accounts.login_throttle import ThrottledAdminAuthenticationForm
from apps.accounts.models import ApiKey, User
from apps.accounts.services import (
    api_key_changed,
    api_key_create,
    api_key_deleted,
    api_key_revoke,
)

admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(User)
class KeepflowUserAdmin(UserAdmin):
    list_display = ["username", "email", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    fieldsets = (
        *UserAdmin.fieldsets[:1],
        ("Role", {"fields": ("role", "is_active")}),
        *UserAdmin.fieldsets[1:2],
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "role", "password1", "password2")}),
    )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at", "created_by"]
    fields = ["name", "scopes", "expires_at", *readonly_fields]
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            api_key_changed(obj)
            return
        key, raw = api_key_create(
            name=obj.name, scopes=obj.scopes, expires_at=obj.expires_at, created_by=request.user
        )
        obj.pk, obj.prefix, obj.key_hash = key.pk, key.prefix, key.key_hash
        self.message_user(
            request, f"Copy this key now, it is shown only once: {raw}", messages.WARNING
        )

    def delete_model(self, request: HttpRequest, obj: ApiKey) -> None:
        super().delete_model(request, obj)
        api_key_deleted(obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        keys = list(queryset)
        super().delete_queryset(request, queryset)
        for key in keys:
            api_key_deleted(key)

    @admin.action(description="Revoke selected keys")
    def revoke(self, request: HttpRequest, queryset) -> None:
        for key in queryset:
            api_key_revoke(key)
