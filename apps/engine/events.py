"""The engine's side of event ingest: for a batch of new events, start runs of matching
event triggers and of the webhook triggers their calls addressed, end runs whose workflow
goal was reached, and wake runs waiting for them.

Three indexed lookups per batch (live triggers by event type, goals by event type, open
event waits by customer and type), then conditions in Python on the event and customer.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.common.locks import advisory_xact_locks
from apps.customers.conditions.evaluate import condition_evaluate
from apps.customers.handling import events_stored_read
from apps.customers.models import Event
from apps.engine.context import condition_node
from apps.engine.models import ACTIVE_STATES, Run, TriggerEntry, TriggerKind, Wait, WaitKind
from apps.engine.services import runs_end
from apps.engine.starting import Entry, Inline, runs_enqueue, runs_start
from apps.engine.triggers import event_condition, event_entry_key
from blocks.base import event_port

logger = logging.getLogger(__name__)


def events_handle(event_ids: list[int]) -> None:
    """The handler for stored events given by id (the drain passes the rows it read)."""
    events_rows_handle(events_stored_read(event_ids))


def events_rows_handle(events: list[Event]) -> None:
    """KEEPFLOW_EVENT_HANDLERS entry: the events (ordered by id, customers selected)."""
    events = [event for event in events if event.customer.erased_at is None]
    if not events:
        return
    types = {event.type for event in events}
    entries = list(TriggerEntry.objects.filter(
        kind__in=[TriggerKind.EVENT, TriggerKind.GOAL], event_type__in=types))
    by_type: dict[str, list[TriggerEntry]] = defaultdict(list)
    for entry in entries:
        by_type[entry.event_type].append(entry)
    # Goals first: a purchase that ends a win-back must not also be awaited by it.
    _goals_reached(events, by_type)
    _waits_wake(events)
    _triggers_start(events, by_type)


def _matches(condition: Mapping[str, Any] | None, event: Event) -> bool:
    if not condition:
        return True
    try:
        return condition_evaluate(condition_node(condition), customer=event.customer,
                                  event=event, now=timezone.now())
    except Exception:  # a stored condition that no longer parses matches nothing
        logger.exception("condition failed on event %s", event.pk)
        return False


def _trigger_matches(entry: TriggerEntry, event: Event) -> bool:
    return _matches(event_condition(entry), event)


def _triggers_start(events: list[Event], by_type: dict[str, list[TriggerEntry]]) -> None:
    entries = _webhook_entries(events)
    for event in events:
        for trigger in by_type.get(event.type, ()):
            if trigger.kind != TriggerKind.EVENT or not _trigger_matches(trigger, event):
                continue
            entries.append(Entry(workflow_id=trigger.workflow_id, version_id=trigger.version_id,
                                 trigger_node=trigger.node_id, customer_id=event.customer_id,
                                 entry_key=event_entry_key(trigger, event.pk, event.customer_id),
                                 event_id=event.pk))
    if entries:
        runs_start(entries, inline=Inline(
            customers={event.customer_id: event.customer for event in events},
            events={event.pk: event for event in events}))


def _webhook_entries(events: list[Event]) -> list[Entry]:
    """The runs that webhook calls asked for: each such event carries its workflow (see
    apps/customers/handling.py) and starts that workflow's live webhook trigger, the one
    its URL found (the first by node id). A workflow paused or archived since the call
    has no live trigger: nothing starts, as for a call arriving now."""
    targets = {event.pk: workflow_id for event in events
               if (workflow_id := getattr(event, "start_workflow_id", None)) is not None}
    if not targets:
        return []
    triggers: dict[int, TriggerEntry] = {}
    for webhook in TriggerEntry.objects.filter(kind=TriggerKind.WEBHOOK,
                                               workflow_id__in=set(targets.values())) \
            .order_by("-node_id"):
        triggers[webhook.workflow_id] = webhook
    entries = []
    for event in events:
        trigger = triggers.get(targets.get(event.pk, 0))  # no workflow has id 0
        if trigger is not None:
            entries.append(Entry(workflow_id=trigger.workflow_id, version_id=trigger.version_id,
                                 trigger_node=trigger.node_id, customer_id=event.customer_id,
                                 entry_key=event_entry_key(trigger, event.pk, event.customer_id),
                                 event_id=event.pk))
    return entries


def _goals_reached(events: list[Event], by_type: dict[str, list[TriggerEntry]]) -> None:
    ended: dict[int, str] = {}
    for event in events:
        goals = [g for g in by_type.get(event.type, ()) if g.kind == TriggerKind.GOAL]
        workflows = [g.workflow_id for g in goals if _matches(g.config.get("condition"), event)]
        if not workflows:
            continue
        for run_id in Run.objects.filter(customer_id=event.customer_id, workflow_id__in=workflows,
                                         state__in=ACTIVE_STATES,
                                         created_at__lte=event.received_at) \
                .values_list("id", flat=True):
            ended[run_id] = f"goal: {event.type}"
    for run_id, reason in ended.items():
        runs_end([run_id], verb="exit", reason=reason)


def _waits_wake(events: list[Event]) -> None:
    """Fire the open event waits these events satisfy. Under the customers' event locks,
    so a run that is creating such a wait right now either commits it before this looks,
    or finds the event itself (see the interpreter)."""
    with transaction.atomic():
        advisory_xact_locks("customer-events", [(e.customer_id,) for e in events])
        woken = _waits_fire(events)
    if woken:
        runs_enqueue(woken)


def _waits_fire(events: list[Event]) -> list[int]:
    waits = Wait.objects.filter(customer_id__in={e.customer_id for e in events},
                                event_type__in={e.type for e in events},
                                kind=WaitKind.EVENT, fired_at__isnull=True)
    woken: list[int] = []
    now = timezone.now()
    for wait in waits:
        for event in events:
            if event.customer_id != wait.customer_id or event.type != wait.event_type:
                continue
            if event.received_at < wait.created_at or not _matches(wait.condition, event):
                continue
            port = event_port(event.properties, wait.port_from, wait.ports or [],
                              wait.happened_port)
            fired = Wait.objects.filter(pk=wait.pk, fired_at__isnull=True).update(
                fired_at=now, fired_port=port, fired_event_id=event.pk)
            if fired:
                woken.append(wait.run_id)
            break
    if woken:
        Run.objects.filter(pk__in=woken).update(enqueued_at=now)
    return sorted(set(woken))
