"""The broker transport's fix (apps/config/broker.py): closing a channel of a collected
connection, with an unacknowledged message, and acknowledging that message afterwards,
as Celery 5.7.0 does after a lost broker connection. Against a private redis-server."""

from __future__ import annotations

import logging

import pytest
from kombu import Connection, Queue

from apps.config.broker import Channel, Transport, transport_for
from apps.config.celery import app
from tests.engine.workers import own_redis  # noqa: F401  (fixture)

QUEUE = "broker-test"


def channel_collected_with_one_unacked(url: str, transport) -> tuple[object, object]:
    """A channel holding one message it has not acknowledged, on a connection that
    `Connection.collect()` has let go of (its transport's client is gone)."""
    connection = Connection(url, transport=transport)
    with connection.Producer() as producer:
        producer.publish({"n": 1}, routing_key=QUEUE, declare=[Queue(QUEUE)])
    channel = connection.channel()
    message = channel.basic_get(QUEUE, no_ack=False)
    assert message is not None
    connection._do_close_transport()  # the part of collect() that the close then trips on
    return message, channel


def test_kombus_own_transport_raises_there(own_redis):  # noqa: F811
    # Given kombu's Redis transport: what made the worker exit ("unrecoverable error")
    _, channel = channel_collected_with_one_unacked(own_redis.url, None)
    with pytest.raises(AttributeError, match="hostname"):
        channel.close()


def test_keepflows_transport_closes_and_redis_keeps_the_message_unacked(own_redis,  # noqa: F811
                                                                        caplog):
    # Given Keepflow's transport
    _, channel = channel_collected_with_one_unacked(own_redis.url, Transport)

    # When the channel is closed, nothing raises, and the worker's log says what was left
    with caplog.at_level("WARNING", logger="apps.config.broker"):
        channel.close()
    assert "1 unacknowledged messages left in Redis" in caplog.text

    # and the message waits in Redis's unacked set, for kombu's visibility-timeout
    # restore (the database's sweepers hand on what it carried sooner)
    fresh = Connection(own_redis.url, transport=Transport)
    client = fresh.default_channel.client
    assert client.hlen("unacked") == 1
    assert client.llen(QUEUE) == 0
    fresh.release()


def test_a_task_acknowledged_after_the_reconnect_gets_a_connection_error(own_redis,  # noqa: F811
                                                                         caplog):
    # Given the message of a task that ran through the outage, its channel closed since
    message, channel = channel_collected_with_one_unacked(own_redis.url, Transport)
    channel.close()

    # When the task ends and Celery acknowledges it, as its consumer does
    errors = Transport.connection_errors
    message.ack_log_error(logging.getLogger("celery.worker"), errors)

    # Then that is a connection error, logged (kombu's own transport raised an
    # AttributeError here, which Celery does not catch)
    assert "Couldn't ack" in caplog.text
    with pytest.raises(errors):
        Channel.basic_ack(channel, message.delivery_tag)


def test_an_open_connection_still_restores_on_close(own_redis):  # noqa: F811
    # Given a channel of a live connection holding an unacknowledged message
    connection = Connection(own_redis.url, transport=Transport)
    with connection.Producer() as producer:
        producer.publish({"n": 1}, routing_key=QUEUE, declare=[Queue(QUEUE)])
    channel = connection.channel()
    assert channel.basic_get(QUEUE, no_ack=False) is not None

    # When it is closed, the message goes back to its queue at once, as kombu does
    channel.close()
    client = Connection(own_redis.url, transport=Transport).default_channel.client
    assert client.llen(QUEUE) == 1
    connection.release()


@pytest.mark.parametrize(("url", "expected"), [
    ("redis://127.0.0.1:6379/0", "apps.config.broker:Transport"),
    ("rediss://cache.example:6380/0", "apps.config.broker:Transport"),
    ("amqp://guest@127.0.0.1:5672//", None),
])
def test_the_transport_is_set_for_redis_urls_only(url, expected):
    assert transport_for(url) == expected


def test_celery_uses_it():
    assert app.conf.broker_transport == "apps.config.broker:Transport"
    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, Transport)
