"""The hand-off points after commit: ingested events and changed profiles go on to
segment membership (and, once the engine lands, to workflow triggers) via Celery."""

import logging

logger = logging.getLogger(__name__)


def events_ingested(event_ids: list[int]) -> None:
    """Called once per newly stored event batch, after commit. The engine hooks in here."""
    from apps.customers.tasks import events_process

    _enqueue(events_process, event_ids)


def customers_changed_dispatch(customer_ids: list[int]) -> None:
    from apps.customers.tasks import customers_refresh_segments

    _enqueue(customers_refresh_segments, customer_ids)


def _enqueue(task, ids: list[int]) -> None:
    # The event is already committed; a broker outage must not turn a stored event into an
    # error for the client. The periodic segment refresh catches up on what is missed.
    try:
        task.delay(ids)
    except Exception:
        logger.exception("could not enqueue %s for %d ids", task.name, len(ids))
