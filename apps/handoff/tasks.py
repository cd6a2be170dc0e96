"""Celery tasks of the hand-off: take ids, call the registered events handler, safe to
run twice."""

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from apps.handoff.dispatch import events_ingested
from apps.handoff.handler import events_handler
from apps.handoff.ready import (
    events_lost,
    events_ready_rearm,
    events_ready_release,
    events_ready_renew,
    events_ready_take,
    redispatch_cursor_get,
    redispatch_cursor_set,
)

REDISPATCH_BATCH = 100  # events per task where the ready list does not apply
REDISPATCH_PAGE = 1_000  # pending events read and checked at once
REDISPATCH_SCAN = 50_000  # pending events checked per run at most


@shared_task(name="handoff.events_drain")
def events_drain() -> None:
    """Handle this drain's share of the ready list (ready.py) under a claim that is
    renewed while it works and released when it is done. A drain that fails or dies
    leaves its claim to expire, and the redispatch hands its events on again."""
    event_ids = events_ready_take()
    if event_ids:
        events_handler().handle(event_ids, renew=lambda: events_ready_renew(event_ids))
        events_ready_release(event_ids)


@shared_task(name="handoff.events_process")
def events_process(event_ids: list[int]) -> None:
    """Handle these events (the hand-off where the ready list does not apply)."""
    events_handler().handle(event_ids)


@shared_task(name="handoff.events_redispatch")
def events_redispatch() -> int:
    """The backstop for lost hand-offs: an event still pending KEEPFLOW_EVENT_REDISPATCH_
    SECONDS after it was handed on is handed on again only if it was lost (neither waiting
    in the ready list nor claimed by a live drain: a Redis restart, a worker that died
    with its share). What merely waits behind a backlog is left alone: sending it again
    multiplied the work exactly when the workers were behind (issue 17). Pending events
    are read in pages, resuming after the last one checked, at most REDISPATCH_SCAN a run.
    Where the ready list does not apply, every old pending event is handed on again, once
    per period. Returns how many were handed on."""
    events_ready_rearm()
    handler = events_handler()
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.KEEPFLOW_EVENT_REDISPATCH_SECONDS)
    after = redispatch_cursor_get()
    sent = checked = 0
    while checked < REDISPATCH_SCAN:
        ids = handler.pending(cutoff, after, REDISPATCH_PAGE)
        if not ids:
            after = 0  # the end: the next run starts over
            break
        checked += len(ids)
        after = ids[-1]
        sent += _hand_on_lost(ids, now)
    redispatch_cursor_set(after)
    return sent


def _hand_on_lost(ids: list[int], now: datetime) -> int:
    handler = events_handler()
    existing = handler.present(ids)
    lost = events_lost(existing)
    if lost is None:  # no ready list: Celery's own path, every old one again
        lost = existing
        handler.handed_on(lost, now)
        for start in range(0, len(lost), REDISPATCH_BATCH):
            events_process.delay(lost[start:start + REDISPATCH_BATCH])
        return len(lost)
    if lost:
        handler.handed_on(lost, now)
        events_ingested(lost)
    return len(lost)
