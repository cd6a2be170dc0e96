"""The hand-off's one hook (apps/handoff/handler.py): customers registers what becomes of
stored events, and a process without a handler says where to register one."""

import pytest

from apps.customers.handling import StoredEvents
from apps.handoff import handler


def test_customers_registers_its_stored_events_at_start() -> None:
    assert isinstance(handler.events_handler(), StoredEvents)


def test_without_a_handler_the_hand_off_says_who_registers_one(monkeypatch) -> None:
    monkeypatch.setattr(handler, "_handler", None)
    with pytest.raises(RuntimeError, match=r"apps/customers/apps\.py"):
        handler.events_handler()
