"""The hand-off: how ids travel from the web side to the workers, next to the broker
set-up (apps/config/broker.py).

- `events_ingested(event_ids)`: newly stored events, after commit, join the workers'
  ready list (ready.py) and are drained in shares by `handoff.events_drain`;
  `handoff.events_redispatch` (beat) hands on again what the broker lost.
- `enqueue_ids(task, ids)`: any task that takes a list of ids (the engine's runs,
  messaging's deliveries, segment refreshes), by a direct Redis publish where it applies.
- `events_handler_register(handler)`: the app that stores events (customers) says what
  becomes of them and where the pending ones are (handler.py).
- `BacklogThrottle`: the ways in refuse new events (429, Retry-After) while the workers
  are far behind (admission.py).

The hand-off imports no other app (the import rules in pyproject.toml say so)."""

from apps.handoff.admission import BacklogThrottle
from apps.handoff.dispatch import enqueue_ids, events_ingested
from apps.handoff.handler import EventsHandler, events_handler_register

__all__ = ["BacklogThrottle", "EventsHandler", "enqueue_ids", "events_handler_register",
           "events_ingested"]
