"""One Redis client per process and URL, for the short commands the web side sends on
every request (the events' hand-off, the API-key cache): building a client per call cost
more than the command."""

from __future__ import annotations

import os
import threading

import redis

_clients: dict[tuple[int, str], redis.Redis] = {}
_lock = threading.Lock()


def redis_client(url: str) -> redis.Redis:
    key = (os.getpid(), url)  # never a client inherited over fork
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key) or redis.Redis.from_url(
                url, socket_timeout=5, socket_connect_timeout=5)
            _clients[key] = client
    return client
