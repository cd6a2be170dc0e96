"""Sending ids to the workers: newly stored events to the ready list (ready.py), and
any task that takes a list of ids (`enqueue_ids`) through a direct Redis publish where
Celery's own `delay` would cost ten times more CPU."""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import uuid
from typing import Any, Protocol

import redis
from celery import signals
from celery.app.task import Task

from apps.common.redis import redis_client

logger = logging.getLogger(__name__)


def events_ingested(event_ids: list[int]) -> None:
    """Called once per newly stored event batch, after commit: the ids join the workers'
    ready list (ready.py), or, where that does not apply (eager mode, a broker other
    than Redis), go as tasks of their own. Never raises."""
    from django.conf import settings

    from apps.handoff.ready import events_ready_push
    from apps.handoff.tasks import events_process

    try:
        if events_ready_push(event_ids):
            return
    except Exception:  # the broker may be restarting: Celery's own path retries
        logger.warning("ready list unreachable; handing %d events on as tasks",
                       len(event_ids), exc_info=True)
    for chunk in handoff_chunks(event_ids, settings.KEEPFLOW_EVENTS_HANDOFF_PARTS):
        enqueue_ids(events_process, chunk)


HANDOFF_MIN, HANDOFF_MAX = 20, 500


def handoff_chunks(ids: list[int], parts: int) -> list[list[int]]:
    """A stored batch split so that `parts` workers share it (its runs are advanced in
    the handler, about a millisecond each), but not into pieces under HANDOFF_MIN events
    (each task has a fixed cost of 15-30 ms) or over HANDOFF_MAX. The ready list's
    drains take their shares by the same rule."""
    size = min(HANDOFF_MAX, max(HANDOFF_MIN, -(-len(ids) // max(1, parts))))
    return [ids[start:start + size] for start in range(0, len(ids), size)]


class IdsTask(Protocol):
    """A Celery task that takes one argument, a list of ids (or the app's lazy proxy of one)."""

    name: str

    def delay(self, ids: list[int]) -> Any: ...


def enqueue_ids(task: IdsTask, ids: list[int]) -> None:
    """Send `task(ids)` to the workers: the cheap direct path below where it applies,
    Celery's own otherwise. Never raises (what was stored is handed on by a sweeper)."""
    # The event is already committed; a broker outage must not turn a stored event into an
    # error for the client. Stored events stay in EventPending until handled, and the
    # periodic redispatch (tasks.events_redispatch) hands on what the broker lost.
    task = concrete_task(task)
    try:
        if _redis_publish(task, ids):
            return
    except Exception:  # the broker may be restarting: Celery's own path retries
        logger.warning("direct publish of %s failed; retrying through Celery", task.name,
                       exc_info=True)
    try:
        task.delay(ids)
    except Exception:
        logger.exception("could not enqueue %s for %d ids", task.name, len(ids))


# The direct path. `task.delay` cost about 1 ms of CPU per call here, a quarter of a
# single-event request: kombu builds a new Redis client for every publish, and Celery
# looks its settings up through several layers. With a Redis broker and the plain default
# routing, the same message (Celery's protocol 2 in kombu's Redis envelope, exactly what
# `delay` sends) is pushed with one LPUSH on a client kept per process, about 0.1 ms.
# Anything else (eager mode, another broker, routes, priorities, publish signals)
# goes through `delay`. tests/handoff/test_dispatch.py runs a real worker on it.

_HOST = socket.gethostname()
_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}


def concrete_task(task: Any) -> Task[Any, Any]:
    """The task itself, not the lazy proxy `shared_task` returns at import time."""
    concrete: Task[Any, Any] = getattr(task, "_get_current_object", lambda: task)()
    return concrete


def _redis_publish(task: Task[Any, Any], ids: list[int]) -> bool:
    """LPUSH the task message for `task(ids)`; False when the direct path does not apply."""
    target = broker_target(task)
    if target is None:
        return False
    url, key, queue = target
    broker_client(url).lpush(key, task_message(task, (ids,), queue, task.app.thread_oid))
    return True


_targets: dict[tuple[int, str], tuple[dict[str, Any], tuple[str, str, str] | None]] = {}


def broker_target(task: Task[Any, Any]) -> tuple[str, str, str] | None:
    """(broker URL, Redis key, queue) for the task, or None for Celery's own path.
    Reading Celery's settings costs about 8 µs a name: the answer is kept while the
    settings changed at run time (`app.conf.x = ...`, as tests do) stay the same."""
    if signals.before_task_publish.receivers or signals.after_task_publish.receivers:
        return None
    conf = task.app.conf
    cache_key = (id(conf), task.name)
    cached = _targets.get(cache_key)
    if cached is not None and cached[0] == conf.changes:
        return cached[1]
    url = conf.broker_url or ""
    target = None
    if not (
        not url.startswith(("redis://", "rediss://"))
        or conf.task_always_eager
        or conf.task_routes
        or conf.task_default_priority is not None
        or conf.task_protocol != 2
        or conf.task_serializer != "json"
        or conf.task_compression
        or getattr(task, "priority", None) is not None
    ):
        options = conf.broker_transport_options or {}
        # A task's own queue (the deliveries') is a list of that name too; the message
        # names it as routing key on the anonymous exchange, which kombu also reads when
        # it restores an unacknowledged message.
        queue = getattr(task, "queue", None) or conf.task_default_queue
        target = (url, options.get("global_keyprefix", "") + queue, queue)
    _targets[cache_key] = (dict(conf.changes or {}), target)
    return target


def broker_client(url: str) -> redis.Redis:
    return redis_client(url)


def task_message(task: Task[Any, Any], args: tuple[Any, ...], queue: str, reply_to: str) -> str:
    """The message `task.delay(*args)` would send (protocol 2 in kombu's envelope)."""
    task_id = str(uuid.uuid4())
    args_repr = repr(args)
    headers: dict[str, Any] = {
        "lang": "py", "task": task.name, "id": task_id, "shadow": None, "eta": None,
        "expires": None, "group": None, "group_index": None, "retries": 0,
        "timelimit": [None, None], "root_id": task_id, "parent_id": None,
        "argsrepr": args_repr if len(args_repr) <= 1024 else args_repr[:1021] + "...",
        "kwargsrepr": "{}", "origin": f"gen{os.getpid()}@{_HOST}",
        "ignore_result": task.ignore_result, "replaced_task_nesting": 0,
        "stamped_headers": None, "stamps": {},
    }
    body = json.dumps([list(args), {}, _EMBED]).encode()
    return json.dumps({
        "body": base64.b64encode(body).decode(),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": headers,
        "properties": {
            "correlation_id": task_id, "reply_to": reply_to, "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": queue}, "priority": 0,
            "body_encoding": "base64", "delivery_tag": str(uuid.uuid4()),
        },
    })
