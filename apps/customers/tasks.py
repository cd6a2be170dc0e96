"""Celery tasks: take ids, call one service, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.utils.module_loading import import_string

from apps.customers import segments
from apps.customers.models import Event


@shared_task
def events_process(event_ids: list[int]) -> None:
    """New events: re-evaluate the segments of their customers, then hand them to each
    handler in settings.KEEPFLOW_EVENT_HANDLERS (triggers, waits, goals, offers)."""
    customer_ids = list(
        Event.objects.filter(id__in=event_ids).values_list("customer_id", flat=True).distinct()
    )
    segments.segments_refresh_for_customers(customer_ids)
    for path in settings.KEEPFLOW_EVENT_HANDLERS:
        import_string(path)(event_ids)


@shared_task
def customers_refresh_segments(customer_ids: list[int]) -> None:
    segments.segments_refresh_for_customers(customer_ids)


@shared_task
def segments_refresh_all() -> None:
    """The periodic job: full recount of every segment, catching time-based conditions."""
    segments.segments_refresh_all()
