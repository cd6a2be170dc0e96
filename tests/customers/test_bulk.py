"""Profile writes for many customers at once (CSV import, tracking API)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from apps.customers.bulk import customers_upsert_bulk, profile_data_merge
from apps.customers.models import Customer


@pytest.mark.parametrize(("first", "then", "expected"), [
    ({"email": "a@x"}, {"email": "b@x"}, {"email": "b@x"}),
    ({"attributes": {"a": 1, "b": 2}}, {"attributes": {"b": 3, "c": None}},
     {"attributes": {"a": 1, "b": 3, "c": None}}),
    ({"consent": {"email": {"status": "granted"}}}, {"consent": {"sms": {"status": "denied"}}},
     {"consent": {"email": {"status": "granted"}, "sms": {"status": "denied"}}}),
    ({"tags": ["a"]}, {"tags": ["b"]}, {"tags": ["b"]}),
    ({}, {"attributes": {"a": 1}}, {"attributes": {"a": 1}}),
], ids=["field-replaced", "attributes-merge", "consent-merges-per-channel",
        "tags-replaced", "first-empty"])
def test_profile_data_merge(first, then, expected):
    assert profile_data_merge(first, then) == expected


@pytest.mark.django_db
def test_upsert_creates_updates_and_leaves_unchanged_rows_alone():
    Customer.objects.create(external_id="same", tier="gold", attributes={"a": 1})
    Customer.objects.create(external_id="changed", tier="gold")
    stamps = dict(Customer.objects.values_list("external_id", "updated_at"))

    result = customers_upsert_bulk({
        "same": {"tier": "gold", "attributes": {"a": 1}},
        "changed": {"tier": "silver", "clv": Decimal("10.50")},
        "new": {"email": "new@example.com", "tags": ["b", "a", "b"]},
    }, source="import")

    assert (result.created, result.updated, result.unchanged) == (["new"], ["changed"], ["same"])
    rows = {c.external_id: c for c in Customer.objects.all()}
    assert rows["same"].updated_at == stamps["same"]
    assert rows["changed"].updated_at > stamps["changed"]
    assert (rows["changed"].tier, rows["changed"].clv) == ("silver", Decimal("10.50"))
    assert (rows["new"].email, rows["new"].tags) == ("new@example.com", ["a", "b"])


@pytest.mark.django_db
def test_repeating_a_consent_status_keeps_its_time_and_source():
    customers_upsert_bulk({"c": {"consent": {"email": {"status": "granted"}}}}, source="web")
    first = Customer.objects.get(external_id="c").consent

    result = customers_upsert_bulk({"c": {"consent": {"email": {"status": "granted"}}}},
                                   source="import")

    assert result.unchanged == ["c"]
    assert Customer.objects.get(external_id="c").consent == first
    assert first["email"]["source"] == "web"


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    Customer.objects.create(external_id="old", tier="gold")

    result = customers_upsert_bulk({"old": {"tier": "silver"}, "new": {"tier": "x"}},
                                   source="import", dry_run=True)

    assert (result.created, result.updated) == (["new"], ["old"])
    assert list(Customer.objects.values_list("external_id", "tier")) == [("old", "gold")]


@pytest.mark.django_db(transaction=True)
def test_a_customer_created_concurrently_is_updated_not_lost():
    """Another transaction inserts the same new external id between our read and our
    insert: our insert waits on the unique index, fails, and the retry updates the row."""
    inserted, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        try:
            with transaction.atomic():
                Customer.objects.create(external_id="race", tier="gold",
                                        attributes={"theirs": 1})
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert inserted.wait(10)
    timer = threading.Timer(0.5, release.set)  # commit while our insert waits on the lock
    timer.start()

    result = customers_upsert_bulk({"race": {"tier": "silver", "attributes": {"ours": 2}}},
                                   source="import")

    thread.join(10)
    assert result.updated == ["race"]
    customer = Customer.objects.get(external_id="race")
    assert (customer.tier, customer.attributes) == ("silver", {"theirs": 1, "ours": 2})
