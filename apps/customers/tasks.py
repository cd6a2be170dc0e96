"""Celery tasks: take ids, call one service, safe to run twice. (The events' hand-off
tasks live in apps/handoff/tasks.py.)"""

from celery import shared_task

from apps.customers import segments


@shared_task
def customers_refresh_segments(customer_ids: list[int]) -> None:
    segments.segments_refresh_for_customers(customer_ids)


@shared_task
def segments_refresh_all() -> None:
    """The periodic job: full recount of every segment, catching time-based conditions."""
    segments.segments_refresh_all()


@shared_task(name="customers.retention_erase")
def retention_erase() -> int:
    """Beat: erase customers inactive past KEEPFLOW_RETENTION_INACTIVE_MONTHS (off: 0)."""
    from apps.customers.erasure import customers_retention_erase

    return customers_retention_erase()
