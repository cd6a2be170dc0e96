import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.accounts.services import api_key_create
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(key_client):
    return key_client("events:write", "read")


def test_single_event_creates_unknown_customer_and_answers_202(writer):
    response = writer.post("/api/v1/events", {
        "customer_id": "new-1", "type": "feedback.submitted", "properties": {"score": 2},
        "occurred_at": "2026-03-01T12:00:00+01:00", "idempotency_key": "survey-77"},
        format="json")

    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["duplicates"]) == (1, 0)
    event = Event.objects.get()
    assert body["events"] == [{"id": event.id, "idempotency_key": "survey-77",
                               "duplicate": False}]
    assert event.customer.external_id == "new-1"
    assert event.properties == {"score": 2}
    assert event.occurred_at.isoformat() == "2026-03-01T11:00:00+00:00"
    assert event.source == "api"


def test_same_key_gives_the_same_event_never_a_second(writer):
    first = writer.post("/api/v1/events", {"customer_id": "c", "type": "x",
                                           "idempotency_key": "k"}, format="json").json()
    again = writer.post("/api/v1/events", {"customer_id": "c", "type": "x",
                                           "idempotency_key": "k"}, format="json").json()

    assert again["events"][0]["id"] == first["events"][0]["id"]
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    assert Event.objects.count() == 1


REUSED = {"code": "idempotency_key_reused", "message": "already used for a different event: "
          "the customer, type, properties or occurred_at differ"}
FIRST = {"customer_id": "c", "type": "purchase", "properties": {"total": 12.5, "items": [1, 2]},
         "occurred_at": "2026-03-01T12:00:00Z", "idempotency_key": "k"}


@pytest.mark.parametrize(("case", "change"), [
    ("another customer", {"customer_id": "d"}),
    ("another type", {"type": "refund"}),
    ("another property value", {"properties": {"total": 13, "items": [1, 2]}}),
    ("a property more", {"properties": {"total": 12.5, "items": [1, 2], "x": None}}),
    ("no properties", {"properties": {}}),
    ("another time", {"occurred_at": "2026-03-01T12:00:01Z"}),
])
def test_the_same_key_with_another_event_is_a_422_naming_the_key(writer, case, change):
    """As Stripe does: a key reused for a different body is refused, not dropped silently
    (issue 24); the same body stays idempotent."""
    writer.post("/api/v1/events", FIRST, format="json")

    response = writer.post("/api/v1/events", {**FIRST, **change}, format="json")

    assert response.status_code == 422
    assert response.json() == {
        "detail": "This idempotency key was already used for a different request.",
        "errors": [{"field": "idempotency_key", **REUSED}]}
    assert Event.objects.count() == 1


@pytest.mark.parametrize(("case", "again"), [
    ("identical", FIRST),
    ("same time written otherwise", {**FIRST, "occurred_at": "2026-03-01T13:00:00+01:00"}),
    ("time left out", {key: value for key, value in FIRST.items() if key != "occurred_at"}),
    ("integral float for an integer", {**FIRST, "properties": {"total": 12.5,
                                                               "items": [1.0, 2]}}),
])
def test_the_same_key_with_the_same_event_stays_idempotent(writer, case, again):
    first = writer.post("/api/v1/events", FIRST, format="json").json()

    response = writer.post("/api/v1/events", again, format="json")

    assert response.status_code == 202
    assert response.json()["events"] == [{"id": first["events"][0]["id"],
                                          "idempotency_key": "k", "duplicate": True}]


def test_a_batch_reusing_a_key_for_another_event_stores_nothing(writer):
    writer.post("/api/v1/events", FIRST, format="json")
    batch = {"events": [
        {"customer_id": "a", "type": "purchase", "idempotency_key": "new-1"},
        {**FIRST, "type": "refund"},  # reused from the earlier call
        {"customer_id": "b", "type": "login", "idempotency_key": "twice"},
        {"customer_id": "b", "type": "logout", "idempotency_key": "twice"},  # within the batch
        {**FIRST},  # the same event again: fine
    ]}

    response = writer.post("/api/v1/events", batch, format="json")

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "events.1.idempotency_key", **REUSED},
                                         {"field": "events.3.idempotency_key", **REUSED}]
    assert list(Event.objects.values_list("idempotency_key", flat=True)) == ["k"]


def test_batch_with_repeats_inside_and_across_batches(writer):
    batch = {"events": [
        {"customer_id": "a", "type": "purchase", "idempotency_key": "p1"},
        {"customer_id": "b", "type": "purchase", "idempotency_key": "p2"},
        {"customer_id": "a", "type": "purchase", "idempotency_key": "p1"},
        {"customer_id": "c", "type": "login"},
    ]}

    first = writer.post("/api/v1/events", batch, format="json").json()
    second = writer.post("/api/v1/events", {"events": batch["events"][:2]}, format="json").json()

    assert [e["duplicate"] for e in first["events"]] == [False, False, True, False]
    assert first["events"][0]["id"] == first["events"][2]["id"]
    assert (first["accepted"], first["duplicates"]) == (3, 1)
    assert (second["accepted"], second["duplicates"]) == (0, 2)
    assert Event.objects.count() == 3
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"type": "x"}, "customer_id", id="missing-customer"),
        pytest.param({"customer_id": "c"}, "type", id="missing-type"),
        pytest.param({"customer_id": "c", "type": "bell\x07"}, "type", id="bad-type"),
        pytest.param({"customer_id": "c", "type": "x", "properties": [1]}, "properties",
                     id="properties-not-object"),
        pytest.param({"customer_id": "c", "type": "x", "occurred_at": "yesterday"},
                     "occurred_at", id="bad-time"),
        pytest.param({"events": []}, "events", id="empty-batch"),
        pytest.param({"events": [{"customer_id": "c", "type": "ok"}, {"customer_id": "c"}]},
                     "events.1.type", id="batch-item"),
        pytest.param({"events": [{"customer_id": "c", "type": "t"}] * 1001}, "events",
                     id="batch-too-big"),
    ],
)
def test_bad_events_are_refused_naming_the_field_and_nothing_is_stored(writer, payload, field):
    response = writer.post("/api/v1/events", payload, format="json")

    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Event.objects.exists()


def test_batch_of_1000_is_accepted(writer):
    events = [{"customer_id": f"c{i % 50}", "type": "page.viewed",
               "idempotency_key": f"pv-{i}"} for i in range(1000)]

    response = writer.post("/api/v1/events", {"events": events}, format="json")

    assert response.status_code == 202
    assert response.json()["accepted"] == 1000
    assert Event.objects.count() == 1000
    assert Customer.objects.count() == 50


def test_list_filters_by_customer_and_type(writer):
    writer.post("/api/v1/events", {"events": [
        {"customer_id": "a", "type": "purchase"}, {"customer_id": "a", "type": "login"},
        {"customer_id": "b", "type": "purchase"}]}, format="json")

    response = writer.get("/api/v1/events?customer=a&type=purchase").json()

    assert [(e["customer_id"], e["type"]) for e in response["results"]] == [("a", "purchase")]


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_with_one_key_store_one_event_and_hand_it_on_once():
    """Eight clients race with the same idempotency key: exactly one of them inserts."""
    _, raw = api_key_create(name="race", scopes=["events:write"])
    barrier = threading.Barrier(8)
    answers: list[dict] = []
    lock = threading.Lock()

    def post() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        barrier.wait()
        try:
            body = client.post("/api/v1/events", {"customer_id": "racer", "type": "purchase",
                                                  "idempotency_key": "same"},
                               format="json").json()
            with lock:
                answers.append(body)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(answers) == 8
    assert sum(a["accepted"] for a in answers) == 1
    assert len({a["events"][0]["id"] for a in answers}) == 1
    assert Event.objects.count() == 1 and Customer.objects.count() == 1


def test_ingest_hands_only_new_events_on_after_commit(django_capture_on_commit_callbacks,
                                                      monkeypatch):
    handed: list[list[int]] = []
    monkeypatch.setattr("apps.customers.ingest.events_ingested", handed.append)

    with django_capture_on_commit_callbacks(execute=True):
        first = events_ingest([EventIn("c", "x", idempotency_key="1"),
                               EventIn("c", "y", idempotency_key="2")])
    with django_capture_on_commit_callbacks(execute=True):
        events_ingest([EventIn("c", "x", idempotency_key="1")])

    assert handed == [[r.event_id for r in first]]
