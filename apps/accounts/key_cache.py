"""API keys, as found by their hash, kept in Redis for KEEPFLOW_API_KEY_CACHE_SECONDS.

Why: every API request looked its key up in PostgreSQL (a query, and the server's work
for it); a single-event POST spent about a sixth of its web CPU there (docs/benchmarks.md).
A Redis GET on a client kept per process costs less on both sides.

Staying right: a revoke or an edit drops the cached state at once and writes the new
one after commit (SET), while a request that found the key in the database only adds
it if absent (SET NX), so a request that read the key just before its revoke cannot
keep the old state there. Unknown
keys are not cached (a flood of made-up keys must not fill Redis). If Redis is
unreachable the database answers, as without the cache.

In front of Redis, each process keeps what it read for KEEPFLOW_API_KEY_LOCAL_SECONDS
(1 s): the GET, its parsing and the model instance were a seventh of a single-event
POST's web CPU, and one GET a second per key and process costs nothing. The process that
makes a change drops and replaces its own copy at once; every other process sees it when
its copy expires, so a revoke holds everywhere within that second (0 turns this off)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

from django.conf import settings
from django.db.models import DateTimeField

from apps.accounts.models import ApiKey
from apps.common.redis import redis_client

logger = logging.getLogger(__name__)
PREFIX = "keepflow.api-key:"
_FIELDS = [f for f in ApiKey._meta.concrete_fields if f.attname != "key_hash"]
_DATES = {f.attname for f in _FIELDS if isinstance(f, DateTimeField)}
# This process's copies: key hash -> (monotonic expiry, key). Only keys found in Redis
# (so only real keys) get here; the bound is a backstop.
_local: dict[str, tuple[float, ApiKey]] = {}
_LOCAL_MAX = 10_000
# Counts this process's changes: a read that started before one is not kept (it may
# have fetched the state the change just replaced).
_changes = [0]


def api_key_cached(key_hash: str) -> ApiKey | None:
    """The cached key, or None when it is not cached (or the cache is off or down)."""
    if not _seconds():
        return None
    hold = _local_seconds()
    if hold > 0:
        kept = _local.get(key_hash)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
    changes_before = _changes[0]
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
    key = ApiKey(key_hash=key_hash, **values)
    if hold > 0 and _changes[0] == changes_before:
        _local_keep(key, hold)
    return key


def api_key_cache_put(key: ApiKey, *, replace: bool) -> None:
    """Cache the key's state: `replace` for a change (revoke, edit, use), else only if
    absent (a lookup that found it in the database)."""
    if not _seconds():
        return
    if replace:
        _local_forget(key.key_hash)  # this process sees its own change at once
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
    _local_forget(key_hash)
    if not _seconds():
        return
    try:
        redis_client(settings.REDIS_URL).delete(PREFIX + key_hash)
    except Exception:
        logger.warning("API-key cache unreachable", exc_info=True)


def api_key_local_clear() -> None:
    """Forget this process's copies (tests)."""
    _local.clear()


def _local_forget(key_hash: str) -> None:
    _changes[0] += 1
    _local.pop(key_hash, None)


def _local_keep(key: ApiKey, hold: float) -> None:
    if len(_local) >= _LOCAL_MAX:
        _local.clear()
    _local[key.key_hash] = (time.monotonic() + hold, key)


def _seconds() -> int:
    return settings.KEEPFLOW_API_KEY_CACHE_SECONDS


def _local_seconds() -> float:
    return settings.KEEPFLOW_API_KEY_LOCAL_SECONDS
