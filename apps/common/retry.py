"""A bounded retry of a whole transaction that PostgreSQL rolled back to break a deadlock
or a serialization conflict.

Why: such a failure says nothing about the request, only about the moment. Locks are
taken in a consistent order where we can (apps/customers/ingest.py), but a cycle with
another writer stays possible, and the client must not see a 500 for it. Only the
outermost transaction can be retried: inside another one the failure has already
aborted the caller's work, so it is passed on to the caller's own retry."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg.errors
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

logger = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)
ATTEMPTS = 4
BACKOFF_SECONDS = 0.02  # doubled each time, with jitter: the other side commits meanwhile


def is_retryable(exc: BaseException) -> bool:
    """Deadlock or serialization failure, as Django wraps them."""
    return isinstance(exc, OperationalError) and isinstance(exc.__cause__, RETRYABLE)


def transaction_retry(work: Callable[[], T], *, attempts: int = ATTEMPTS,
                      using: str = DEFAULT_DB_ALIAS) -> T:
    """Run `work` (which opens its own transaction, or is one autocommit statement) and
    run it again, up to `attempts` times in all, when PostgreSQL rolled it back for a
    deadlock or a serialization failure."""
    if connections[using].in_atomic_block:
        return work()
    for attempt in range(1, attempts):
        try:
            return work()
        except OperationalError as exc:
            if not is_retryable(exc):
                raise
            logger.warning("%s: %s; retrying (attempt %d of %d)", work.__qualname__,
                           type(exc.__cause__).__name__, attempt + 1, attempts)
            time.sleep(random.uniform(0.5, 1.0) * BACKOFF_SECONDS * 2 ** (attempt - 1))
    return work()
