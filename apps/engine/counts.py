"""Per-node counters for the canvas overlay: entered, left by each port, exited, failed,
and what became of each message block's messages.

Incremented once per interpreter pass with one upsert; spread over a few shard rows per
(workflow, node, key) so parallel workers do not serialise on one hot row."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import connection
from django.db.models import Count, Sum

from apps.engine.models import NodeCount, Wait
from apps.messaging.models import Message, MessageStatus

S = MessageStatus
# A message's status as the canvas tells it: each status in exactly one outcome.
MESSAGE_OUTCOMES = {
    S.QUEUED: "pending", S.SENDING: "pending", S.RECONCILE: "pending",
    S.SENT: "sent", S.DELIVERED: "delivered", S.OPENED: "delivered", S.CLICKED: "delivered",
    S.SUPPRESSED: "suppressed", S.DEFERRED: "deferred",
    S.FAILED: "failed", S.BOUNCED: "failed",
}


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
    """{node_id: {"entered": n, "waiting": n, "exited": n, "failed": n, "ports": {port: n},
    "messages": [...]}} with `waiting` counted live from the runs parked at each node and
    `messages` from the outbox (see `node_message_outcomes`)."""
    nodes: dict[str, dict[str, Any]] = {}

    def node(node_id: str) -> dict[str, Any]:
        return nodes.setdefault(node_id, {"entered": 0, "waiting": 0, "exited": 0,
                                          "failed": 0, "ports": {}, "messages": []})

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
    for waits in waiting:
        node(waits["node_id"])["waiting"] = waits["n"]
    for node_id, outcomes in node_message_outcomes(workflow_id).items():
        node(node_id)["messages"] = outcomes
    return nodes


def node_message_outcomes(workflow_id: int) -> dict[str, list[dict[str, Any]]]:
    """Per node: how many of its messages were sent, delivered, suppressed, deferred, failed
    or are still pending, each with the guardrail's reason, counted from the outbox. A run
    leaving a send block by `out` only means the message was asked for: a customer who
    sent STOP still passes, so the canvas must not show that as sent."""
    rows = Message.objects.filter(workflow_id=workflow_id).order_by() \
        .values("node_id", "status", "reason").annotate(n=Count("id"))
    totals: dict[str, Counter[tuple[str, str]]] = {}
    for row in rows:
        outcome = MESSAGE_OUTCOMES.get(row["status"], "pending")
        reason = row["reason"] if outcome in ("suppressed", "deferred") else ""
        totals.setdefault(row["node_id"], Counter())[(outcome, reason)] += row["n"]
    return {node_id: [{"outcome": outcome, "reason": reason, "count": n}
                      for (outcome, reason), n in sorted(counter.items())]
            for node_id, counter in totals.items()}
