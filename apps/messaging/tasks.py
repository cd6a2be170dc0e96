"""Celery tasks: take ids, call one service, safe to run twice (only a queued message is
sent; the state is committed before the provider is called)."""

from celery import shared_task
from django.conf import settings

from apps.messaging import services

# Longer waits are not held as Celery countdowns (an ETA task sits in worker memory and is
# redelivered after the broker's visibility timeout): the dispatcher picks those messages
# up from the database once their next_attempt_at has passed.
COUNTDOWN_MAX_SECONDS = 300


@shared_task(queue=settings.KEEPFLOW_DELIVERY_QUEUE)
def message_deliver(message_id: int) -> str:
    """One delivery attempt (a retry after a 429/5xx comes back here)."""
    return str(_follow_up({message_id: services.message_send(message_id)})[message_id])


@shared_task(queue=settings.KEEPFLOW_DELIVERY_QUEUE)
def messages_deliver(message_ids: list[int]) -> None:
    """One delivery attempt for each message, their database work done together; a
    429/5xx schedules the next attempt with backoff, an unknown outcome a reconcile."""
    _follow_up(services.messages_send(message_ids))


def _follow_up(steps: dict[int, services.SendStep]) -> dict[int, str]:
    for message_id, step in steps.items():
        if step.retry_in is not None and step.retry_in <= COUNTDOWN_MAX_SECONDS:
            message_deliver.apply_async((message_id,), countdown=step.retry_in)
        if step.reconcile_in is not None:
            message_reconcile.apply_async((message_id,), countdown=step.reconcile_in)
    return {message_id: str(step.status) for message_id, step in steps.items()}


@shared_task(queue=settings.KEEPFLOW_DELIVERY_QUEUE)
def message_reconcile(message_id: int) -> str:
    return str(services.message_reconcile(message_id))


@shared_task
def messages_dispatch_due() -> None:
    """Periodic (CELERY_BEAT_SCHEDULE): deferred messages that are due, lost deliveries,
    stuck sends."""
    services.messages_dispatch_due()
