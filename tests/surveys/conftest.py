"""Exit-survey fixtures: a customer who left, and surveys created as the block does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from apps.customers.models import Customer
from apps.surveys.defaults import exit_reasons_defaults_ensure
from apps.surveys.models import ExitSurvey
from apps.surveys.services import exit_survey_create, exit_survey_token

NOW = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def default_reasons(db) -> None:
    """The migration's reasons, also after a transactional test flushed the tables."""
    exit_reasons_defaults_ensure()


@pytest.fixture
def leaver(db) -> Customer:
    return Customer.objects.create(external_id="c-9", first_name="Lena", last_name="Vogel",
                                   email="lena.vogel@example.com", locale="de-AT")


@pytest.fixture
def make_survey(leaver) -> Callable[..., tuple[ExitSurvey, str]]:
    counter = iter(range(1, 1_000_000))

    def make(customer: Customer | None = None, **fields: Any) -> tuple[ExitSurvey, str]:
        n = next(counter)
        args: dict[str, Any] = {
            "customer": customer or leaver, "channel": "email", "reason_codes": [],
            "expires_at": dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
            "idempotency_key": f"run:{n}:s1:1", "run_id": n, "workflow_id": 7,
            "node_id": "s1", **fields}
        result = exit_survey_create(**args)
        return ExitSurvey.objects.get(pk=result["survey_id"]), exit_survey_token(
            result["survey_id"])

    return make


# The engine's fixtures: publish a workflow through the real services.
from tests.engine.conftest import publish, publisher_user  # noqa: E402, F401
