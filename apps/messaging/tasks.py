"""Celery tasks: take ids, call one service, safe to run twice (only a queued message is
sent; the state is committed before the provider is called)."""

from celery import shared_task

from apps.messaging import services

# Longer waits are not held as Celery countdowns (an ETA task sits in worker memory and is
# redelivered after the broker's visibility timeout): the dispatcher picks those messages
# up from the database once their next_attempt_at has passed.
COUNTDOWN_MAX_SECONDS = 300


@shared_task
def message_deliver(message_id: int) -> str:
    """One delivery attempt; a 429/5xx schedules the next one with backoff, an unknown
    outcome a reconcile."""
    step = services.message_send(message_id)
    if step.retry_in is not None and step.retry_in <= COUNTDOWN_MAX_SECONDS:
        message_deliver.apply_async((message_id,), countdown=step.retry_in)
    if step.reconcile_in is not None:
        message_reconcile.apply_async((message_id,), countdown=step.reconcile_in)
    return str(step.status)


@shared_task
def messages_deliver(message_ids: list[int]) -> None:
    """One delivery attempt for each message (what `message_deliver` does for one)."""
    for message_id in message_ids:
        message_deliver(message_id)


@shared_task
def message_reconcile(message_id: int) -> str:
    return str(services.message_reconcile(message_id))


@shared_task
def messages_dispatch_due() -> None:
    """Periodic (CELERY_BEAT_SCHEDULE): deferred messages that are due, lost deliveries,
    stuck sends."""
    services.messages_dispatch_due()
