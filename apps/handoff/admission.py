"""Admission control: the ways in refuse new events, with 429 and Retry-After, while more
than KEEPFLOW_EVENTS_BACKLOG_LIMIT stored events wait in the ready list for a worker.

Why (issue 17): on one machine the web side can accept events four times faster than the
workers handle them. Accepting without a bound took the CPU the workers needed: a
five-minute run of batches at 9,900 accepted events a second finished 878 runs a second
while it lasted (2,430 once it stopped) and left a backlog of two million events, about a
quarter of an hour behind. Refusing while far behind keeps the backlog, and so the delay
of every event, bounded; the clients' retries (Segment's libraries and the usual HTTP
clients honour Retry-After) bring the events once there is room, and nothing accepted is
ever dropped.

The backlog size costs no extra call under load: every hand-off's push answers the list's
length, and each process keeps the last one it saw. Older than FRESH_SECONDS, it is asked
again (one LLEN). The bound is soft: requests in flight may each add their events."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import ngettext
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

FRESH_SECONDS = 0.5
_last_seen: tuple[int, float] = (0, -math.inf)  # (events waiting, time.monotonic())


def backlog_noted(waiting: int) -> None:
    """Remember the ready list's length as a push (or a check) just found it."""
    global _last_seen
    _last_seen = (waiting, time.monotonic())


def backlog_over_limit() -> int | None:
    """The number of events waiting when it is over the limit, else None (also when there
    is no limit, the ready list does not apply, or Redis does not answer: the hand-off
    has its own fallback then)."""
    limit = settings.KEEPFLOW_EVENTS_BACKLOG_LIMIT
    if limit <= 0:
        return None
    waiting, at = _last_seen
    if time.monotonic() - at > FRESH_SECONDS:
        from apps.handoff.ready import events_ready_length

        try:
            length = events_ready_length()
        except Exception:
            logger.warning("ready list unreachable; admitting without a backlog check",
                           exc_info=True)
            return None
        if length is None:
            return None
        waiting = length
        backlog_noted(waiting)
    return waiting if waiting > limit else None


class BacklogFull(Throttled):
    """429 naming the backlog; Retry-After says when to send again."""

    default_code = "backlog_full"

    def __init__(self, waiting: int, seconds: int) -> None:
        super().__init__(detail=ngettext(
            "Keepflow is behind: %(waiting)s events are waiting to be handled. Nothing "
            "from this request was stored; send it again in %(seconds)d second.",
            "Keepflow is behind: %(waiting)s events are waiting to be handled. Nothing "
            "from this request was stored; send it again in %(seconds)d seconds.", seconds,
        ) % {"waiting": number_format(waiting, force_grouping=True), "seconds": seconds})
        self.wait = seconds  # DRF's Retry-After header


class BacklogThrottle(BaseThrottle):
    """For the views that store events (POST only): 429 with Retry-After while the
    backlog is over its limit, before the body is read."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method != "POST":
            return True
        waiting = backlog_over_limit()
        if waiting is None:
            return True
        raise BacklogFull(waiting, settings.KEEPFLOW_EVENTS_BACKLOG_RETRY_SECONDS)
