"""Writes for accounts: API keys are minted, hashed and revoked here."""

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, JSONField, Q
from django.utils import timezone

from apps.accounts.capabilities import Scope
from apps.accounts.key_cache import api_key_cache_drop, api_key_cache_put, api_key_cached
from apps.accounts.models import ApiKey, User

KEY_PREFIX = "kf_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidScopes(ValueError):
    pass


def api_key_hash(raw_key: str) -> str:
    """Keys carry 190+ bits of randomness, so a fast hash is enough (no password stretching)."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


def scopes_clean(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - {s.value for s in Scope})
    if unknown or not scopes:
        valid = ", ".join(s.value for s in Scope)
        raise InvalidScopes(
            f"unknown scope(s): {', '.join(unknown)}; valid: {valid}"
            if unknown
            else f"at least one scope is required; valid: {valid}"
        )
    return sorted(set(scopes))


def api_key_create(
    *,
    name: str,
    scopes: list[str],
    created_by: User | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with the raw secret, which is never stored."""
    prefix = secrets.token_hex(4)
    raw_key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        key_hash=api_key_hash(raw_key),
        scopes=scopes_clean(scopes),
        created_by=created_by,
        expires_at=expires_at,
    )
    return key, raw_key


def api_key_revoke(key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        api_key_changed(key)
    return key


def api_key_changed(key: ApiKey) -> None:
    """After a change (also one outside these services: the admin form): the cache
    forgets the old state now and holds the new one after commit."""
    api_key_cache_drop(key.key_hash)
    transaction.on_commit(lambda: api_key_cache_put(key, replace=True))


def api_key_deleted(key: ApiKey) -> None:
    """A deleted key is cached as revoked until its cache entry expires."""
    key.revoked_at = key.revoked_at or timezone.now()
    api_key_changed(key)


def api_key_by_hash(key_hash: str) -> ApiKey | None:
    """One indexed row fetch without the ORM's query building: this runs on every API
    request, where building and compiling the queryset cost a third of a single-event
    POST's CPU (docs/benchmarks.md)."""
    fields = [f for f in ApiKey._meta.concrete_fields if f.attname != "key_hash"]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(ApiKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE key_hash = %s", [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    values = {f.attname: _from_db(f, value) for f, value in zip(fields, row, strict=True)}
    return ApiKey(key_hash=key_hash, **values)


def _from_db(field: Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, JSONField):  # Django has psycopg hand back JSON as text
        return json.loads(value) if isinstance(value, str) else value
    return value


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The usable key for this secret, or None. Marks use at most once a minute. Found in
    the cache if there (apps/accounts/key_cache.py), else in the database."""
    key_hash = api_key_hash(raw_key)
    key = api_key_cached(key_hash)
    if key is None:
        key = api_key_by_hash(key_hash)
        if key is None:
            return None
        api_key_cache_put(key, replace=False)
    if not key.is_usable:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        marked = ApiKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        if marked:
            key.last_used_at = now
            api_key_cache_put(key, replace=True)
    return key


def user_language_set(user: User, language: str) -> User:
    """The language Keepflow speaks to this person from their next request on ("": the
    browser's)."""
    user.language = language
    user.save(update_fields=["language"])
    return user
