"""Per-node counters for the canvas overlay: entered, left by each port, exited, failed.

Incremented once per interpreter pass with one upsert; spread over a few shard rows per
(workflow, node, key) so parallel workers do not serialise on one hot row."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import connection
from django.db.models import Count, Sum

from apps.engine.models import NodeCount, Wait


def node_counts_add_many(counts: dict[int, Counter[tuple[str, str]]], *, shard: int) -> None:
    """One upsert for the counts of several workflows ({workflow: {(node, key): n}})."""
    rows = [(workflow_id, node, key, shard % NodeCount.SHARDS, n)
            for workflow_id, counter in sorted(counts.items())
            for (node, key), n in sorted(counter.items()) if n]
    if not rows:
        return
    table = NodeCount._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    params = [value for row in rows for value in row]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (workflow_id, node_id, key, shard, count) VALUES {values} "
            f"ON CONFLICT (workflow_id, node_id, key, shard) "
            f"DO UPDATE SET count = {table}.count + excluded.count",
            params,
        )


def node_counts(workflow_id: int) -> dict[str, dict[str, Any]]:
    """{node_id: {"entered": n, "waiting": n, "exited": n, "failed": n, "ports": {port: n}}}
    with `waiting` counted live from the runs parked at each node."""
    nodes: dict[str, dict[str, Any]] = {}

    def node(node_id: str) -> dict[str, Any]:
        return nodes.setdefault(node_id, {"entered": 0, "waiting": 0, "exited": 0,
                                          "failed": 0, "ports": {}})

    totals = NodeCount.objects.filter(workflow_id=workflow_id) \
        .values("node_id", "key").annotate(total=Sum("count"))
    for row in totals:
        entry = node(row["node_id"])
        key, total = row["key"], int(row["total"] or 0)
        if key.startswith("port:"):
            entry["ports"][key[5:]] = total
        elif key in entry:
            entry[key] = total
    waiting = Wait.objects.filter(workflow_id=workflow_id, fired_at__isnull=True) \
        .values("node_id").annotate(n=Count("id"))
    for row in waiting:
        node(row["node_id"])["waiting"] = row["n"]
    return nodes
