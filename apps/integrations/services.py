"""Writes for stored credentials: the secret is encrypted on the way in and never read
back out except by http_request, which turns it into headers."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.accounts.models import User
from apps.integrations.crypto import secret_encrypt
from apps.integrations.models import Credential


def credential_create(*, name: str, kind: str, secret: str, header_name: str = "",
                      username: str = "", user: User | None = None,
                      **binding: list[str]) -> Credential:
    """`binding`: allowed_hosts, allowed_methods, shared_roles, shared_scopes (binding.py)."""
    return Credential.objects.create(
        name=name, kind=kind, header_name=header_name, username=username,
        secret_encrypted=secret_encrypt(secret), created_by=user, **binding)


def credential_update(credential_id: int, *, changes: dict[str, Any]) -> Credential:
    """Change any field; `secret`, when given, replaces the stored one."""
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential_id)
        secret = changes.pop("secret", None)
        for field, value in changes.items():
            setattr(credential, field, value)
        if secret is not None:
            credential.secret_encrypted = secret_encrypt(secret)
        credential.save()
    return credential
