"""API keys, as found by their hash, kept in Redis for KEEPFLOW_API_KEY_CACHE_SECONDS.

Why: every API request looked its key up in PostgreSQL (a query, and the server's work
for it); a single-event POST spent about a sixth of its web CPU there (docs/benchmarks.md).
A Redis GET on a client kept per process costs less on both sides.

Staying right: a revoke or an edit drops the cached state at once and writes the new
one after commit (SET), while a request that found the key in the database only adds
it if absent (SET NX), so a request that read the key just before its revoke cannot
keep the old state there. Unknown
keys are not cached (a flood of made-up keys must not fill Redis). If Redis is
unreachable the database answers, as without the cache."""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.db.models import DateTimeField

from apps.accounts.models import ApiKey
from apps.common.redis import redis_client

logger = logging.getLogger(__name__)
PREFIX = "keepflow.api-key:"
_FIELDS = [f for f in ApiKey._meta.concrete_fields if f.attname != "key_hash"]
_DATES = {f.attname for f in _FIELDS if isinstance(f, DateTimeField)}


def api_key_cached(key_hash: str) -> ApiKey | None:
    """The cached key, or None when it is not cached (or the cache is off or down)."""
    if not _seconds():
        return None
    try:
        raw = redis_client(settings.REDIS_URL).get(PREFIX + key_hash)
    except Exception:
        logger.warning("API-key cache unreachable", exc_info=True)
        return None
    if raw is None:
        return None
    values = json.loads(raw)
    for name in _DATES & values.keys():
        if values[name] is not None:
            values[name] = dt.datetime.fromisoformat(values[name])
    return ApiKey(key_hash=key_hash, **values)


def api_key_cache_put(key: ApiKey, *, replace: bool) -> None:
    """Cache the key's state: `replace` for a change (revoke, edit, use), else only if
    absent (a lookup that found it in the database)."""
    if not _seconds():
        return
    values = {f.attname: getattr(key, f.attname) for f in _FIELDS}
    for name in _DATES:
        if values[name] is not None:
            values[name] = values[name].isoformat()
    try:
        redis_client(settings.REDIS_URL).set(PREFIX + key.key_hash, json.dumps(values),
                                             ex=_seconds(), nx=not replace)
    except Exception:
        logger.warning("API-key cache unreachable", exc_info=True)


def api_key_cache_drop(key_hash: str) -> None:
    """Forget the cached state now (the change is not committed yet: the database answers
    until the new state is cached after commit)."""
    if not _seconds():
        return
    try:
        redis_client(settings.REDIS_URL).delete(PREFIX + key_hash)
    except Exception:
        logger.warning("API-key cache unreachable", exc_info=True)


def _seconds() -> int:
    return settings.KEEPFLOW_API_KEY_CACHE_SECONDS
