"""The one hook between the hand-off and the app that stores events.

The hand-off is transport: it carries event ids from the ingest to the workers and
hands on again what the broker lost. What an event *is*, where the pending ones are
recorded and what becomes of them belongs to the app that stores them (customers), which
registers an `EventsHandler` in its AppConfig.ready. So the hand-off imports no app, and
the apps that send ids (the engine's runs, messaging's deliveries) import only the
hand-off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol


class EventsHandler(Protocol):
    """What the hand-off needs from the app that stores events. Every method takes and
    returns event ids; each call is safe to repeat."""

    def handle(self, event_ids: list[int], renew: Callable[[], None] | None = None) -> None:
        """Handle these stored events and stop counting them as pending. `renew`, called
        between the steps, keeps the caller's claim on them alive."""

    def pending(self, handed_on_before: datetime, after: int, limit: int) -> list[int]:
        """Up to `limit` events still pending that were last handed on before
        `handed_on_before`, with ids above `after`, in id order."""

    def present(self, event_ids: list[int]) -> list[int]:
        """Those of these pending events that are still stored, in id order; the others
        (erased since) stop being pending."""

    def handed_on(self, event_ids: list[int], at: datetime) -> None:
        """These pending events were handed on again at `at`."""


_handler: EventsHandler | None = None


def events_handler_register(handler: EventsHandler) -> None:
    """Set the handler of stored events (one per process; registering again replaces it)."""
    global _handler
    _handler = handler


def events_handler() -> EventsHandler:
    if _handler is None:
        raise RuntimeError("No events handler is registered with the hand-off: the app that "
                           "stores events registers one in its AppConfig.ready "
                           "(apps/customers/apps.py).")
    return _handler
