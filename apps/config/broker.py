"""Celery's Redis broker transport, with one fix: a worker that lost its broker
connection must not die of closing it.

Celery 5.7.0 closes the lost connection after collecting it
(`Consumer.on_connection_error_after_connected`). A channel that was still reading
(a BRPOP cut short by the socket timeout) survives the collect, and its close then tries
to put its unacknowledged messages back through a client that the collected connection
no longer has: `AttributeError: 'NoneType' object has no attribute 'hostname'`, which
Celery treats as unrecoverable, and the worker exits. Seen in the broker-restart
reliability test (tests/engine/test_reliability.py) about once in six runs.

Such a channel now skips that restore. Nothing is lost by it: Redis keeps those
messages in its unacked set, from which kombu restores them after the visibility
timeout, and the database is the truth anyway (the runs' sweeper, the events'
redispatch and the messages' periodic dispatch hand on whatever a lost message
carried). tests/config/test_broker.py shows both the crash and the fix.
"""

from __future__ import annotations

import logging

from kombu.transport import redis

logger = logging.getLogger(__name__)


class Channel(redis.Channel):
    def close(self) -> None:
        transport = self.connection
        if transport is not None and transport.client is None and not self.closed:
            self.do_restore = False  # the connection was collected: no client to restore with
            unacked = len(self._qos._delivered) if self._qos else 0
            if unacked:
                logger.warning("broker connection lost: %d unacknowledged messages left in "
                               "Redis for the visibility-timeout restore", unacked)
        super().close()


class Transport(redis.Transport):
    Channel = Channel


def transport_for(broker_url: str) -> str | None:
    """The transport to set for this broker URL: this one for Redis, else the URL's own."""
    return f"{__name__}:Transport" if broker_url.startswith(("redis://", "rediss://")) else None
