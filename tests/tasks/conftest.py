import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from apps.customers.models import Customer
from apps.tasks.services import task_create

MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def utc_hours(settings) -> None:
    settings.KEEPFLOW_BUSINESS_HOURS = {"timezone": "UTC", "weekdays": [0, 1, 2, 3, 4],
                                        "opens": "09:00", "closes": "17:00"}


@pytest.fixture
def customer(db) -> Customer:
    return Customer.objects.create(external_id="c-1", first_name="Ada")


@pytest.fixture
def make_task(customer) -> Callable[..., dict[str, Any]]:
    counter = iter(range(1_000_000))

    def make(**fields: Any) -> dict[str, Any]:
        args: dict[str, Any] = {
            "customer": customer, "kind": "call_back", "queue": "retention",
            "title": "Call Ada", "notes": "churn risk", "due_at": MONDAY_10,
            "business_hours": True, "priority": "normal",
            "idempotency_key": f"run:1:n{next(counter)}:1", "run_id": 1, "workflow_id": 2,
            "node_id": "a1", **fields,
        }
        return task_create(**args)

    return make
