"""The engine's side of event ingest: for a batch of new events, start runs of matching
event triggers, end runs whose workflow goal was reached, and wake runs waiting for them.

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

from apps.common.locks import advisory_xact_locks_many
from apps.customers.conditions.evaluate import condition_evaluate
from apps.customers.ingest import events_load
from apps.customers.models import Event
from apps.engine.context import condition_node
from apps.engine.models import ACTIVE_STATES, Run, TriggerEntry, TriggerKind, Wait, WaitKind
from apps.engine.services import runs_end
from apps.engine.starting import Entry, Inline, runs_enqueue, runs_start

logger = logging.getLogger(__name__)


def events_handle(event_ids: list[int]) -> None:
    """For callers holding ids (tests, the storage benchmark)."""
    events_handle_loaded(events_load(event_ids))


def events_handle_loaded(events: list[Event]) -> None:
    """The KEEPFLOW_EVENT_HANDLERS entry: events with their customers (`events_load`)."""
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
    entries = _trigger_entries(events, by_type)
    customers = [(event.customer_id,) for event in events]
    with transaction.atomic(savepoint=False):
        # Every lock of this transaction, in one statement and one order: the customers'
        # event locks, under which the waits below are looked up (a run creating such a
        # wait right now either commits it first or finds the event itself, see the
        # interpreter); and for new runs, the run-entry locks `runs_start` needs and the
        # message locks of the texts they may queue (the frequency cap).
        locks = {"customer-events": customers}
        if entries:
            locks["run-entry"] = [(e.workflow_id, e.customer_id) for e in entries]
            locks["messages-customer"] = customers
        advisory_xact_locks_many(locks)
        runs_enqueue(_waits_fire(events))
        if entries:
            runs_start(entries, inline=Inline(
                customers={event.customer_id: event.customer for event in events},
                events={event.pk: event for event in events}, locked=True))


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
    config = entry.config
    if config.get("_type") == "trigger.segment":
        return (event.properties or {}).get("segment_id") == config.get("segment_id")
    return _matches(config.get("condition"), event)


def _trigger_entries(events: list[Event], by_type: dict[str, list[TriggerEntry]]
                     ) -> list[Entry]:
    entries = []
    for event in events:
        for trigger in by_type.get(event.type, ()):
            if trigger.kind != TriggerKind.EVENT or not _trigger_matches(trigger, event):
                continue
            entries.append(Entry(workflow_id=trigger.workflow_id, version_id=trigger.version_id,
                                 trigger_node=trigger.node_id, customer_id=event.customer_id,
                                 entry_key=f"event:{event.pk}", event_id=event.pk))
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
            fired = Wait.objects.filter(pk=wait.pk, fired_at__isnull=True).update(
                fired_at=now, fired_port=wait.happened_port, fired_event_id=event.pk)
            if fired:
                woken.append(wait.run_id)
            break
    if woken:
        Run.objects.filter(pk__in=woken).update(enqueued_at=now)
    return sorted(set(woken))
