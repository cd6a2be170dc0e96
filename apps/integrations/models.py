"""Stored credentials for outbound HTTP, and the hosts admins open to it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models


class CredentialKind(models.TextChoices):
    BEARER = "bearer"  # Authorization: Bearer <secret>
    BASIC = "basic"  # Authorization: Basic base64(username:secret)
    HEADER = "header"  # <header_name>: <secret>, e.g. X-Api-Key
    # The secret is the whole URL (a Teams or Slack incoming webhook carries its key in the
    # URL); a block that takes it sends no URL of its own. Bound to hosts like the others.
    URL = "url", "Webhook URL"


def methods_all() -> list[str]:
    return ["GET", "POST", "PUT", "PATCH", "DELETE"]


class Credential(models.Model):
    """A secret that authenticates http_request calls. The graph references it by id; the
    secret is stored encrypted (crypto.py) and never leaves through the API. It is only
    ever attached to requests to its allowed hosts with its allowed methods, and only
    admins or the roles/scopes it is shared with may put it into a workflow (binding.py)."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=8, choices=CredentialKind.choices)
    header_name = models.CharField(max_length=100, blank=True, default="",
                                   help_text="For kind=header, e.g. X-Api-Key.")
    username = models.CharField(max_length=200, blank=True, default="",
                                help_text="For kind=basic.")
    secret_encrypted = models.TextField(editable=False)
    allowed_hosts = models.JSONField(
        default=list, blank=True,
        help_text="Hosts the secret may be sent to: crm.example.com or *.example.com. "
                  "Empty: the credential cannot be used.")
    allowed_methods = models.JSONField(default=methods_all, blank=True,
                                       help_text="HTTP methods it may be used with.")
    shared_roles = models.JSONField(
        default=list, blank=True,
        help_text="Roles that may use it in workflows besides admins, e.g. publisher.")
    shared_scopes = models.JSONField(
        default=list, blank=True,
        help_text="API-key scopes that may use it in workflows, e.g. workflows:write.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AllowedHost(models.Model):
    """An internal host that http_request may reach although it resolves to a private,
    loopback or otherwise refused address (e.g. the CRM inside the company network)."""

    host = models.CharField(
        max_length=253, help_text="Host name or IP address, as in the URL (no scheme, no path).",
        validators=[RegexValidator(r"^\s*\[?[A-Za-z0-9.\-:]+\]?\.?\s*$",
                                   "a host name like crm.internal or an IP address")])
    port = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: any port.",
                                       validators=[MaxValueValidator(65535)])
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["host", "port"]
        constraints = [models.UniqueConstraint(fields=["host", "port"],
                                               name="allowed_host_unique")]

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    def save(self, *args, **kwargs) -> None:
        self.host = self.host.strip().strip("[]").lower().rstrip(".")
        super().save(*args, **kwargs)
