"""Starting a workflow for every member of a segment (a schedule tick, a manual start for a
segment), in batches by customer id, with progress on the Fanout row.

One `fanout_step` handles one batch: under the fanout's row lock it reads the next
`batch_size` members after the cursor, starts their runs (entry key
<prefix>:<customer id>, so a batch handled twice starts nothing twice), moves the cursor
and enqueues the next step after commit. A redelivered or duplicated step message finds
the cursor already moved and does the next batch, or nothing; a lost one is re-enqueued
by `fanouts_resume` (called by the minute scan).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.customers.models import SegmentMembership
from apps.engine.models import Fanout
from apps.engine.starting import Entry, Inline, runs_start
from apps.workflows.models import Workflow, WorkflowState, WorkflowVersion

logger = logging.getLogger(__name__)

RESUME_AFTER = timedelta(minutes=2)


def fanout_start(workflow: Workflow, *, segment_id: int, trigger_node: str, entry_prefix: str,
                 user: User | None = None, batch_size: int = 500,
                 ignore_re_entry: bool = False) -> Fanout:
    """Create the fan-out (or return the one with this prefix: a schedule tick handled
    twice fans out once) and enqueue its first step after commit."""
    total = SegmentMembership.objects.filter(segment_id=segment_id).count()
    try:
        with transaction.atomic():
            fanout = Fanout.objects.create(
                workflow=workflow, segment_id=segment_id, trigger_node=trigger_node,
                entry_prefix=entry_prefix, batch_size=batch_size, total=total,
                created_by=user, ignore_re_entry=ignore_re_entry)
    except IntegrityError:
        return Fanout.objects.get(workflow=workflow, entry_prefix=entry_prefix)
    fanout_enqueue(fanout.pk)
    return fanout


def fanout_enqueue(fanout_id: int) -> None:
    def send() -> None:
        from apps.engine.tasks import fanout_step_task

        try:
            fanout_step_task.delay(fanout_id)
        except Exception:
            logger.exception("could not enqueue fanout %s; the minute scan will", fanout_id)

    transaction.on_commit(send)


def fanout_step(fanout_id: int, *, now: datetime | None = None) -> bool:
    """Handle the next batch of members; True when more remain (the next step is then
    enqueued after commit). A fan-out another worker holds right now is left to it."""
    now = now or timezone.now()
    with transaction.atomic():
        fanout = Fanout.objects.select_for_update(skip_locked=True) \
            .filter(pk=fanout_id, state=Fanout.State.RUNNING).first()
        if fanout is None:
            return False
        workflow = Workflow.objects.filter(pk=fanout.workflow_id) \
            .select_related("published_version").first()
        version = workflow.published_version if workflow else None
        if fanout.segment_id is None or workflow is None or version is None or \
                workflow.state != WorkflowState.PUBLISHED or \
                not _has_node(version, fanout.trigger_node):
            # Segment deleted, workflow paused or archived, or the node gone in a newer
            # version: stop rather than start runs nobody asked for any more.
            fanout.state, fanout.finished_at = Fanout.State.CANCELLED, now
            fanout.save(update_fields=["state", "finished_at"])
            return False
        members = list(SegmentMembership.objects
                       .filter(segment_id=fanout.segment_id, customer_id__gt=fanout.cursor)
                       .order_by("customer_id")
                       .values_list("customer_id", flat=True)[:fanout.batch_size])
        if members:
            result = runs_start([
                Entry(workflow_id=workflow.pk, version_id=version.pk,
                      trigger_node=fanout.trigger_node, customer_id=customer_id,
                      entry_key=f"{fanout.entry_prefix}:{customer_id}",
                      ignore_re_entry=fanout.ignore_re_entry)
                for customer_id in members], now=now, inline=Inline())
            fanout.processed += len(members)
            fanout.started += len(result.started)
            fanout.cursor = members[-1]
        more = len(members) == fanout.batch_size
        if not more:
            fanout.state, fanout.finished_at = Fanout.State.DONE, now
            fanout.total = fanout.processed  # members may have come and gone meanwhile
        elif fanout.processed > fanout.total:
            fanout.total = fanout.processed
        fanout.save(update_fields=["processed", "started", "cursor", "state", "finished_at",
                                   "total"])
        if more:
            fanout_enqueue(fanout.pk)
    return more


def fanouts_resume(now: datetime | None = None) -> int:
    """Re-enqueue running fan-outs older than a couple of minutes, in case a step message
    was lost. Harmless when one is in flight: steps take the row lock and the cursor."""
    now = now or timezone.now()
    ids = list(Fanout.objects.filter(state=Fanout.State.RUNNING,
                                     created_at__lt=now - RESUME_AFTER)
               .values_list("pk", flat=True))
    for fanout_id in ids:
        fanout_enqueue(fanout_id)
    return len(ids)


def _has_node(version: WorkflowVersion, node_id: str) -> bool:
    graph = version.resolved_graph or version.graph
    return any(node.get("id") == node_id for node in graph.get("nodes") or [])
