"""Stored events waiting for a worker: one Redis list that the hand-off appends to and
the workers drain in shares, so that events arriving one per request are handled in
batches whose size follows the load.

Why: a task per stored batch costs 15-30 ms of its own, by the machine's speed
(segments, triggers, the runs' history, the batch's writes). Clients that post single
events at hundreds per second would need hundreds of such tasks a second, more than two
cores can give (measured at 731 events/s in calls of 7: p50 11 s behind). Here a
hand-off appends its ids and queues one `events_drain` task only if none is queued yet;
a drain takes its share of what is pending and re-arms for the rest. An idle worker
takes an event at once; busy workers find more waiting each time, and the fixed cost is
shared by more events.

Each drain takes 1/KEEPFLOW_EVENTS_HANDOFF_PARTS of the pending events (at least
HANDOFF_MIN, at most HANDOFF_MAX), so a burst is shared by that many workers: with two,
a burst that finds one worker busy is half handled by the idle one at once, and the
rest is taken when the busy one frees up (docs/benchmarks.md).

Durability is unchanged: the database's `EventPending` rows are the truth, and
`events_redispatch` hands on again whatever this list lost (a Redis restart, a worker
killed after taking its share). The list only carries wake-ups, as the broker does.

What counts as lost (issue 17: re-sending everything merely waiting multiplied the work
under a backlog): an id in the list is also in the WAITING set; a drain that takes it
moves it to the CLAIMS sorted set with a lease (its expiry, on Redis's clock, as score),
renews the lease while it works and removes it when done. An old pending event that is
neither waiting nor under a live claim was lost; `events_lost` says which, in one atomic
step, so an id moving from the list to a drain is never seen in neither place.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import redis
from celery.app.task import Task
from django.conf import settings
from redis.commands.core import Script

from apps.handoff import admission, dispatch

READY_KEY = "keepflow.events.ready"
# Set while an events_drain is queued and not started. It expires, so a drain message
# lost with the flag set (a purged queue, say) holds new events back this long at most.
QUEUED_KEY = "keepflow.events.drain-queued"
QUEUED_TTL_MS = 1_000

WAITING_KEY = "keepflow.events.waiting"  # set: the ids in the list
CLAIMS_KEY = "keepflow.events.claims"  # sorted set: id -> its drain's lease expiry (ms)
CURSOR_KEY = "keepflow.events.redispatch-cursor"

# KEYS: ready list, queued flag, Celery queue, waiting set, claims. ARGV: drain message,
# flag TTL, ids... Returns the list's length (the backlog, admission.py). (An id handed on
# again drops its expired claim.)
_PUSH = """
local length = redis.call('RPUSH', KEYS[1], unpack(ARGV, 3))
redis.call('SADD', KEYS[4], unpack(ARGV, 3))
redis.call('ZREM', KEYS[5], unpack(ARGV, 3))
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then
    redis.call('LPUSH', KEYS[3], ARGV[1])
end
return length
"""
# KEYS: as above. ARGV: drain message, flag TTL.
_LENGTH = "return redis.call('LLEN', KEYS[1])"

# KEYS: as above. ARGV: drain message, flag TTL, parts, min, max, lease (ms). The share is
# taken, claimed and the rest re-armed in one step, so no event is left without a drain
# queued for it or a claim on it.
_TAKE = """
redis.call('DEL', KEYS[2])
local n = redis.call('LLEN', KEYS[1])
if n == 0 then return {} end
local parts, low, high = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local take = math.min(high, math.max(low, math.ceil(n / parts)))
if n - take < low then take = math.min(n, high) end
local ids = redis.call('LRANGE', KEYS[1], 0, take - 1)
redis.call('LTRIM', KEYS[1], take, -1)
redis.call('SREM', KEYS[4], unpack(ids))
local now = redis.call('TIME')
local expiry = now[1] * 1000 + math.floor(now[2] / 1000) + tonumber(ARGV[6])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[5], expiry, id) end
if n > take and redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then
    redis.call('LPUSH', KEYS[3], ARGV[1])
end
return ids
"""
# KEYS: as above. ARGV: drain message, flag TTL.
_REARM = """
if redis.call('LLEN', KEYS[1]) > 0 and redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then
    redis.call('LPUSH', KEYS[3], ARGV[1])
    return 1
end
return 0
"""
# KEYS: as above. ARGV: drain message, flag TTL, lease (ms, 0 to release), ids...
_CLAIM = """
if tonumber(ARGV[3]) == 0 then return redis.call('ZREM', KEYS[5], unpack(ARGV, 4)) end
local now = redis.call('TIME')
local expiry = now[1] * 1000 + math.floor(now[2] / 1000) + tonumber(ARGV[3])
for i = 4, #ARGV do redis.call('ZADD', KEYS[5], 'XX', expiry, ARGV[i]) end
return 1
"""
# KEYS: as above. ARGV: drain message, flag TTL, ids... Returns the ids neither waiting in
# the list nor under a live claim.
_LOST = """
local now = redis.call('TIME')
local ms = now[1] * 1000 + math.floor(now[2] / 1000)
local lost = {}
for i = 3, #ARGV do
    if redis.call('SISMEMBER', KEYS[4], ARGV[i]) == 0 then
        local expiry = redis.call('ZSCORE', KEYS[5], ARGV[i])
        if not expiry or tonumber(expiry) <= ms then table.insert(lost, ARGV[i]) end
    end
end
return lost
"""
PUSH_CHUNK = 5_000  # ids per script call (Lua's unpack has a stack limit near 8,000)


def events_ready_push(event_ids: list[int]) -> bool:
    """Append the ids and queue a drain unless one is queued; False when this path does
    not apply (eager mode, a broker other than Redis, ...) and the caller hands on
    itself. Raises when Redis does."""
    for start in range(0, len(event_ids), PUSH_CHUNK):
        length = _run(_PUSH, *event_ids[start:start + PUSH_CHUNK])
        if length is None:
            return False
        admission.backlog_noted(int(length))
    return True


def events_ready_length() -> int | None:
    """Events waiting in the list for a drain; None where the list does not apply."""
    length = _run(_LENGTH)
    return None if length is None else int(length)


def events_ready_take() -> list[int]:
    """This drain's share of the pending events, oldest first (re-arming a drain for the
    rest). Empty when another drain took them, or when the path does not apply."""
    ids = _run(_TAKE, max(1, settings.KEEPFLOW_EVENTS_HANDOFF_PARTS), dispatch.HANDOFF_MIN,
               dispatch.HANDOFF_MAX, _lease_ms())
    return [int(i) for i in ids or []]


def events_ready_renew(event_ids: list[int]) -> None:
    """Extend the lease of this drain's share: it is still being worked on."""
    if event_ids:
        _run(_CLAIM, _lease_ms(), *event_ids)


def events_ready_release(event_ids: list[int]) -> None:
    """This drain's share is handled: its claims go."""
    if event_ids:
        _run(_CLAIM, 0, *event_ids)


def events_lost(event_ids: list[int]) -> list[int] | None:
    """Those of these (pending) events that are neither waiting in the list nor claimed
    by a live drain; None where the ready list does not apply."""
    lost: list[int] = []
    for start in range(0, len(event_ids), PUSH_CHUNK):
        found = _run(_LOST, *event_ids[start:start + PUSH_CHUNK])
        if found is None:
            return None
        lost.extend(int(i) for i in found)
    return lost


def redispatch_cursor_get() -> int:
    """The last pending event the redispatch checked (it pages through a long backlog
    over several runs); 0 to start over."""
    client, key = _cursor()
    value = client.get(key) if client is not None else None
    return int(value or 0)


def redispatch_cursor_set(event_id: int) -> None:
    client, key = _cursor()
    if client is not None:
        client.set(key, event_id, ex=86_400)


def _cursor() -> tuple[redis.Redis | None, str]:
    drain = _drain_task()
    target = dispatch.broker_target(drain)
    if target is None:
        return None, ""
    prefix = (drain.app.conf.broker_transport_options or {}).get("global_keyprefix", "")
    return dispatch.broker_client(target[0]), prefix + CURSOR_KEY


def _lease_ms() -> int:
    return int(settings.KEEPFLOW_EVENT_LEASE_SECONDS) * 1000


def events_ready_rearm() -> bool:
    """Queue a drain if events wait and none is queued: the periodic backstop for a drain
    message lost while its flag stood and no event came after it. True if queued."""
    return bool(_run(_REARM))


def _run(script: str, *args: int) -> Any:
    """Run one of the scripts above on the list, the flag and the engine's queue, with a
    drain message ready to queue; None where the path does not apply."""
    drain = _drain_task()
    target = dispatch.broker_target(drain)
    if target is None:
        return None
    url, queue_key, queue = target
    message = dispatch.task_message(drain, (), queue, drain.app.thread_oid)
    list_key, flag_key, *state_keys = _keys(drain)
    return _script(script)(keys=[list_key, flag_key, queue_key, *state_keys],
                           args=[message, QUEUED_TTL_MS, *args],
                           client=dispatch.broker_client(url))


@cache
def _script(source: str) -> Script:
    """The script as redis-py's Script: EVALSHA by its digest (loaded again after a Redis
    restart), so each call sends a hash instead of the script's text. The client named
    here only encodes; each call passes the broker's own."""
    return Script(redis.Redis(), source)


def _keys(drain: Task[Any, Any]) -> list[str]:
    """The list, the flag, the waiting set and the claims, under the broker's key prefix
    (one per test process)."""
    prefix = (drain.app.conf.broker_transport_options or {}).get("global_keyprefix", "")
    return [prefix + name for name in (READY_KEY, QUEUED_KEY, WAITING_KEY, CLAIMS_KEY)]


def _drain_task() -> Task[Any, Any]:
    from apps.handoff.tasks import events_drain

    return dispatch.concrete_task(events_drain)
