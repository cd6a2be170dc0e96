"""Transaction-scoped advisory locks on PostgreSQL, named instead of numbered.

A name and ids hash to one 64-bit key, so locks of different purposes ("run-entry" per
workflow and customer, "customer-events" per customer) cannot collide by accident."""

from __future__ import annotations

import hashlib

from django.db import connection


def lock_key(name: str, *ids: int) -> int:
    digest = hashlib.blake2b(f"{name}:{':'.join(map(str, ids))}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def advisory_xact_locks(name: str, keys: list[tuple[int, ...]]) -> None:
    """Take the locks for these id tuples, in a stable order (no deadlocks between two
    callers locking overlapping sets). Released at the end of the transaction."""
    if not keys:
        return
    ordered = sorted({lock_key(name, *ids) for ids in keys})
    # The array as one literal: psycopg's list adapter quotes element by element in
    # Python, which cost more than the locking for a batch of a thousand.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k",
                       ["{" + ",".join(map(str, ordered)) + "}"])
