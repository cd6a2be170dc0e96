"""Engine fixtures: publish a workflow through the real services, ingest events, and
drive runs to rest on this process (the worker tests use a real Celery worker)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.accounts.models import User
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Event
from apps.workflows.models import Workflow
from apps.workflows.services import workflow_create, workflow_publish


@pytest.fixture
def publisher_user(db) -> User:
    return User.objects.create_user(username="pub", password="pw-pub", role="publisher")


@pytest.fixture
def publish(publisher_user) -> Callable[..., Workflow]:
    """Create and publish a workflow from a graph (and settings)."""

    def make(graph: dict[str, Any], settings: dict[str, Any] | None = None,
             name: str = "wf") -> Workflow:
        workflow, result = workflow_create(name=name, graph=graph, settings=settings or {},
                                           user=publisher_user)
        assert not result.errors, result.errors
        return workflow_publish(workflow.pk, user=publisher_user)

    return make


@pytest.fixture
def customer(db) -> Customer:
    return Customer.objects.create(
        external_id="c1", first_name="Ada", email="ada@example.com", phone="+4915112345678",
        timezone="Europe/Berlin",
        consent={"email": {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"},
                 "sms": {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"}})


def ingest(external_id: str, type_: str, properties: dict[str, Any] | None = None,
           key: str | None = None) -> list[int]:
    """Store one event the way the API does; returns the ids of newly stored events."""
    results = events_ingest([EventIn(customer_external_id=external_id, type=type_,
                                     properties=properties or {}, idempotency_key=key)])
    return [r.event_id for r in results if not r.duplicate]


def event_of(event_id: int) -> Event:
    return Event.objects.get(pk=event_id)


# Real worker subprocesses and a private redis-server (tests/engine/workers.py).
from tests.engine.workers import own_redis, workers  # noqa: E402, F401
