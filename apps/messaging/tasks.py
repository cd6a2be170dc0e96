"""Celery tasks: take ids, call one service, safe to run twice (only a queued message is
sent; the state is committed before the provider is called)."""

from celery import shared_task

from apps.messaging import services


@shared_task
def message_deliver(message_id: int) -> str:
    """One delivery attempt; a 429/5xx schedules the next one with backoff, an unknown
    outcome a reconcile."""
    step = services.message_send(message_id)
    if step.retry_in is not None:
        message_deliver.apply_async((message_id,), countdown=step.retry_in)
    if step.reconcile_in is not None:
        message_reconcile.apply_async((message_id,), countdown=step.reconcile_in)
    return str(step.status)


@shared_task
def message_reconcile(message_id: int) -> str:
    return str(services.message_reconcile(message_id))


@shared_task
def messages_dispatch_due() -> None:
    """Periodic (CELERY_BEAT_SCHEDULE): deferred messages that are due, lost deliveries,
    stuck sends."""
    services.messages_dispatch_due()
