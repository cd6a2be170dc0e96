"""Encryption of stored secrets (credentials) with Fernet from `cryptography`.

Keys come from settings.KEEPFLOW_ENCRYPTION_KEY (comma-separated: the first encrypts,
every one decrypts, so keys can be rotated). Without it, dev and test derive a key from
SECRET_KEY; production sets KEEPFLOW_ENCRYPTION_KEY_REQUIRED and refuses."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """The stored secret was encrypted with a key that is no longer configured."""


def _fernet() -> MultiFernet:
    configured = [k.strip() for k in settings.KEEPFLOW_ENCRYPTION_KEY.split(",") if k.strip()]
    if not configured:
        if settings.KEEPFLOW_ENCRYPTION_KEY_REQUIRED:
            raise ImproperlyConfigured(
                "KEEPFLOW_ENCRYPTION_KEY must be set to a Fernet key to store credentials; "
                "make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'")
        derived = hashlib.sha256(b"keepflow.credentials:" + settings.SECRET_KEY.encode())
        configured = [base64.urlsafe_b64encode(derived.digest()).decode()]
    try:
        return MultiFernet([Fernet(key) for key in configured])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "KEEPFLOW_ENCRYPTION_KEY: each key must be 32 url-safe base64-encoded bytes"
        ) from exc


def secret_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("the credential was stored under another encryption key; "
                               "enter its secret again") from exc
