from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from apps.accounts.capabilities import ROLE_CAPABILITIES, Capability, Role, Scope


class User(AbstractUser):
    """A person who signs in. The role decides what they may do (see capabilities.py)."""

    role = models.CharField(
        max_length=16,
        choices=[(r.value, r.value.title()) for r in Role],
        default=Role.VIEWER,
    )
    # The language Keepflow speaks to this person; blank follows the browser.
    language = models.CharField(max_length=8, blank=True, default="",
                                choices=settings.LANGUAGES)

    def save(self, *args, **kwargs) -> None:
        # createsuperuser makes admins; the Django admin is for the admin role only.
        if self.is_superuser:
            self.role = Role.ADMIN
        self.is_staff = self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)

    @property
    def capabilities(self) -> frozenset[Capability]:
        return ROLE_CAPABILITIES[Role(self.role)] if self.is_active else frozenset()


class ApiKey(models.Model):
    """A machine credential. Only a SHA-256 of the key is stored; the key is shown once."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @staticmethod
    def valid_scopes() -> list[str]:
        return [s.value for s in Scope]
