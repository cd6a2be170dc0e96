"""rows_update and values_insert against PostgreSQL: every kind of value a model holds
comes back as it was written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.common.bulk import rows_update
from apps.customers.models import Customer

pytestmark = pytest.mark.django_db

AWKWARD_TEXT = ('quote " backslash \\ braces {a,b} comma, NULL '
                '\u00e4\u00df\u0416 \U0001f600 \n tab\t')


def test_rows_update_writes_texts_json_dates_decimals_and_nulls_as_they_are() -> None:
    # Given three customers
    customers = [Customer.objects.create(external_id=f"bulk-{n}") for n in range(3)]
    seen = datetime(2026, 3, 10, 12, 0, 0, 123456, tzinfo=UTC)

    # When their fields are changed in memory and saved with one statement
    customers[0].first_name = AWKWARD_TEXT
    customers[0].attributes = {"plan": "pro", "nested": {"list": [1, 2.5, None, "x"]},
                               "text": AWKWARD_TEXT}
    customers[0].clv = Decimal("1234.56")
    customers[0].last_seen_at = seen
    customers[0].churn_score = 0.125
    customers[1].first_name = "NULL"
    customers[1].attributes = {}
    customers[1].clv = None
    customers[1].last_seen_at = None
    customers[2].tags = ["a", "b"]
    rows_update(customers[:2] + customers[2:], ["first_name", "attributes", "clv",
                                                "last_seen_at", "churn_score", "tags"])

    # Then each row reads back exactly so, and nothing else changed
    first, second, third = (Customer.objects.get(pk=c.pk) for c in customers)
    assert first.first_name == AWKWARD_TEXT
    assert first.attributes == customers[0].attributes
    assert first.clv == Decimal("1234.56")
    assert first.last_seen_at == seen
    assert first.churn_score == 0.125
    assert (second.first_name, second.attributes, second.clv, second.last_seen_at) == (
        "NULL", {}, None, None)
    assert third.tags == ["a", "b"] and third.first_name == ""
    assert first.external_id == "bulk-0"


def test_rows_update_of_nothing_does_nothing() -> None:
    rows_update([], ["first_name"])
