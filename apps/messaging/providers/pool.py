"""A delivery batch's provider calls, several at once.

A call to SendGrid or Twilio spends its time waiting on the network (100-300 ms), so a
batch of fifty called one after another would hold a worker process for seconds. Up to
`KEEPFLOW_DELIVERY_CONCURRENCY` calls run at once in threads of the worker process; a
batch then takes about as long as its slowest few calls. Both providers allow far more
concurrent requests than that (a 429 goes to the normal retry path).

The calls touch no database: the messages and their customers are loaded before.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connections

from apps.messaging.providers import Provider, SendResult

if TYPE_CHECKING:
    from apps.messaging.models import Message

log = logging.getLogger(__name__)

_executors: dict[int, ThreadPoolExecutor] = {}  # by size; made on first use (after fork)


def providers_send(calls: Sequence[tuple[Message, Provider]]) -> dict[int, SendResult]:
    """Each message sent through its provider; {message id: what the provider said}."""
    size = settings.KEEPFLOW_DELIVERY_CONCURRENCY
    if size <= 1 or len(calls) <= 1 or not any(provider.remote for _, provider in calls):
        return {message.pk: _send(message, provider) for message, provider in calls}
    outcomes = _pool(size).map(lambda call: _send_in_thread(*call), calls)
    return {message.pk: result for (message, _), result in zip(calls, outcomes, strict=True)}


def _pool(size: int) -> ThreadPoolExecutor:
    if size not in _executors:
        _executors[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="provider")
    return _executors[size]


def _send(message: Message, provider: Provider) -> SendResult:
    try:
        return provider.send(message)
    except Exception as err:  # a provider bug must not leave a silent `sending` row
        log.exception("provider %s raised on message %s", provider.name, message.pk)
        return SendResult("unknown", error=f"provider error: {type(err).__name__}: {err}")


def _send_in_thread(message: Message, provider: Provider) -> SendResult:
    try:
        return _send(message, provider)
    finally:
        # Should a provider ever read the database, this thread's connection would
        # otherwise stay open for the life of the process.
        connections.close_all()
