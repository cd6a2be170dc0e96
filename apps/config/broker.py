"""Celery's Redis broker transport, fixed so that a worker that lost its broker
connection does not die of it.

Celery 5.7.0 closes a lost connection after collecting it
(`Consumer.on_connection_error_after_connected`), which leaves its channels without a
client to reach Redis with. Two things then still used one, and the AttributeError each
raised is "unrecoverable" to Celery, so the worker exited (about once in six broker
restarts under load in tests/engine/test_reliability.py):

- closing a channel that was still reading (a BRPOP cut short by the socket timeout)
  puts its unacknowledged messages back: `'NoneType' object has no attribute 'hostname'`;
- a task that was running during the outage is acknowledged on its old channel when it
  ends, after the reconnect: `'NoneType' object has no attribute 'client'`.

Here the first skips that restore, and the second gets a connection error, which Celery
already handles ("Couldn't ack …", logged, not fatal). Nothing is lost either way: Redis
keeps those messages in its unacked set, from which kombu restores them after the
visibility timeout (a task redelivered so is idempotent), and the database is the truth
anyway: the runs' sweeper, the events' redispatch and the messages' periodic dispatch
hand on whatever a lost message carried. tests/config/test_broker.py shows the crashes
with kombu's own transport and the fix.
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)


class Channel(redis.Channel):
    def close(self) -> None:
        if self._collected() and not self.closed:
            self.do_restore = False
            unacked = len(self._qos._delivered) if self._qos else 0
            if unacked:
                logger.warning("broker connection lost: %d unacknowledged messages left in "
                               "Redis for the visibility-timeout restore", unacked)
        super().close()

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self._collected():
            raise RedisConnectionError("this channel's broker connection was closed")
        return super()._connparams(asynchronous=asynchronous)

    def _collected(self) -> bool:
        """True once the connection let go of its transport, or the channel of it."""
        return self.connection is None or self.connection.client is None


class Transport(redis.Transport):
    Channel = Channel


def transport_for(broker_url: str) -> str | None:
    """The transport to set for this broker URL: this one for Redis, else the URL's own."""
    return f"{__name__}:Transport" if broker_url.startswith(("redis://", "rediss://")) else None
