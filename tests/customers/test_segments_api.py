"""The segments API on PostgreSQL: CRUD, validation errors naming the condition path,
capability enforcement for roles and API-key scopes, live preview and members."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.customers.models import Customer, Event, Segment, SegmentMembership
from tests.customers.conditions_helpers import leaf

URL = "/api/v1/segments"
PRO = leaf("customer.attributes.plan", "eq", "pro")
UNHAPPY = leaf("customer.attributes.nps", "lte", 6)


@pytest.fixture
def people(db) -> dict[str, Customer]:
    specs = {
        "ann": {"plan": "pro", "nps": 4},
        "bob": {"plan": "pro", "nps": 9},
        "cat": {"plan": "free", "nps": 3},
        "dan": {},
    }
    return {ext: Customer.objects.create(external_id=ext, attributes=attrs)
            for ext, attrs in specs.items()}


def _create(client, **body: Any):
    return client.post(URL, {"name": "Pro", "condition": PRO, **body}, format="json")


def test_create_computes_membership_and_answers_with_the_count(client_as, people) -> None:
    # When a composer creates a segment
    response = _create(client_as("composer"), description="Paying customers")
    # then the answer carries the member count, computed before answering
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("name", "description", "condition", "member_count")} == {
        "name": "Pro", "description": "Paying customers", "condition": PRO, "member_count": 2}
    assert body["refreshed_at"] is not None
    assert set(SegmentMembership.objects.filter(segment_id=body["id"])
               .values_list("customer__external_id", flat=True)) == {"ann", "bob"}
    # and the first fill emits no membership events
    assert not Event.objects.filter(type__startswith="segment.").exists()


def test_list_retrieve_update_delete(client_as, people) -> None:
    client = client_as("composer")
    segment_id = _create(client).json()["id"]

    listed = client.get(URL).json()
    assert [s["name"] for s in listed["results"]] == ["Pro"]
    assert client.get(f"{URL}/{segment_id}").json()["member_count"] == 2

    # Narrowing the condition re-evaluates membership at once
    narrowed = client.patch(f"{URL}/{segment_id}", {"condition": {"all": [PRO, UNHAPPY]}},
                            format="json")
    assert narrowed.status_code == 200, narrowed.json()
    assert narrowed.json()["member_count"] == 1
    exited = Event.objects.get(type="segment.exited")
    assert (exited.customer.external_id, exited.properties) == (
        "bob", {"segment_id": segment_id, "segment_name": "Pro"})

    renamed = client.put(f"{URL}/{segment_id}", {"name": "Unhappy pros", "description": "",
                                                 "condition": {"all": [PRO, UNHAPPY]}},
                         format="json")
    assert (renamed.status_code, renamed.json()["name"]) == (200, "Unhappy pros")
    assert Event.objects.filter(type__startswith="segment.").count() == 1  # unchanged condition

    assert client.delete(f"{URL}/{segment_id}").status_code == 204
    assert not Segment.objects.exists()
    assert not SegmentMembership.objects.exists()


@pytest.mark.parametrize(("body", "errors"), [
    pytest.param({"name": "X", "condition": {"any": [{"field": "customer.plan", "op": "eq",
                                                      "value": "pro"}]}},
                 [("condition.any.0.field", "unknown_field")], id="unknown-field"),
    pytest.param({"name": "X", "condition": {"all": [PRO, PRO, {**PRO, "op": "like"}]}},
                 [("condition.all.2.op", "enum")], id="unknown-op"),
    pytest.param({"name": "X", "condition": leaf("event.properties.score", "lte", 6)},
                 [("condition.field", "not_allowed")], id="event-field"),
    pytest.param({"name": "X", "condition": leaf("metrics.event_count", "gte", 1,
                                                 event_type="segment.entered")},
                 [("condition.event_type", "not_allowed")], id="segment-events"),
    pytest.param({"name": "X", "condition": "plan = pro"}, [("condition", "model_type")],
                 id="not-an-object"),
    pytest.param({"name": "X", "condition": {"all": [PRO]}, "member_count": 5},
                 None, id="read-only-field-ignored"),
    pytest.param({"condition": PRO}, [("name", "required")], id="name-missing"),
    pytest.param({"name": "X"}, [("condition", "required")], id="condition-missing"),
    pytest.param({"name": "X", "condition": None}, [("condition", "null")], id="condition-null"),
])
def test_create_validation(client_as, people, body, errors) -> None:
    response = client_as("composer").post(URL, body, format="json")
    if errors is None:
        assert (response.status_code, response.json()["member_count"]) == (201, 2)
        return
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == errors


def test_duplicate_name_is_refused(client_as, people) -> None:
    client = client_as("composer")
    _create(client)
    response = _create(client)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["name"]


def test_invalid_update_changes_nothing(client_as, people) -> None:
    client = client_as("composer")
    segment_id = _create(client).json()["id"]
    response = client.patch(f"{URL}/{segment_id}", {"condition": {"not": {"field": "x"}}},
                            format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("condition.not.field", "unknown_field"), ("condition.not.op", "required")]
    assert Segment.objects.get().condition == PRO


@pytest.mark.parametrize(("method", "path_suffix", "body"), [
    pytest.param("post", "", {"name": "New", "condition": PRO}, id="create"),
    pytest.param("patch", "/{id}", {"name": "Renamed"}, id="partial-update"),
    pytest.param("put", "/{id}", {"name": "Renamed", "condition": PRO}, id="update"),
    pytest.param("delete", "/{id}", None, id="delete"),
])
@pytest.mark.parametrize("who", ["viewer", "key:read", "key:events:write"])
def test_writes_need_the_segments_capability(client_as, key_client, people, method,
                                             path_suffix, body, who) -> None:
    segment = Segment.objects.create(name="Pro", condition=PRO)
    client = key_client(who.removeprefix("key:")) if who.startswith("key:") else client_as(who)
    response = getattr(client, method)(URL + path_suffix.format(id=segment.pk), body,
                                       format="json")
    assert response.status_code == 403
    assert Segment.objects.get().name == "Pro"


@pytest.mark.parametrize("who", ["viewer", "key:read"])
def test_reads_and_preview_need_only_read(client_as, key_client, people, who) -> None:
    segment = Segment.objects.create(name="Pro", condition=PRO)
    client = key_client("read") if who == "key:read" else client_as(who)
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}/{segment.pk}").status_code == 200
    assert client.get(f"{URL}/{segment.pk}/members").status_code == 200
    assert client.post(f"{URL}/preview", {"condition": PRO}, format="json").status_code == 200


def test_anonymous_is_refused(people) -> None:
    client = APIClient()
    assert client.get(URL).status_code == 401
    assert client.post(f"{URL}/preview", {"condition": PRO}, format="json").status_code == 401


@pytest.mark.parametrize(("condition", "count", "sample"), [
    pytest.param(PRO, 2, ["bob", "ann"], id="pro"),
    pytest.param({"all": [PRO, UNHAPPY]}, 1, ["ann"], id="unhappy-pro"),
    pytest.param(leaf("customer.attributes.plan", "not_exists"), 1, ["dan"], id="no-plan"),
    pytest.param({"any": []}, 0, [], id="nobody"),
    pytest.param({"all": []}, 4, ["dan", "cat", "bob", "ann"], id="everybody"),
])
def test_preview_counts_without_saving(client_as, people, condition, count, sample) -> None:
    response = client_as("viewer").post(f"{URL}/preview", {"condition": condition}, format="json")
    assert response.status_code == 200
    assert response.json() == {"count": count, "sample": sample}
    assert not Segment.objects.exists()


def test_preview_excludes_erased_customers(client_as, people) -> None:
    Customer.objects.filter(external_id="ann").update(erased_at="2026-01-01T00:00:00Z")
    response = client_as("viewer").post(f"{URL}/preview", {"condition": PRO}, format="json")
    assert response.json() == {"count": 1, "sample": ["bob"]}


def test_preview_validation_names_the_path(client_as, people) -> None:
    response = client_as("viewer").post(f"{URL}/preview",
                                        {"condition": {"all": [PRO, {**PRO, "value": None}]}},
                                        format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("condition.all.1.value", "invalid_value")]


def test_members_are_paginated_customers(client_as, people) -> None:
    client = client_as("composer")
    segment_id = _create(client).json()["id"]
    first = client.get(f"{URL}/{segment_id}/members?page_size=1").json()
    second = client.get(first["next"]).json()
    assert first["count"] == 2
    assert [c["external_id"] for c in first["results"] + second["results"]] == ["bob", "ann"]


def test_unknown_segment_is_404(client_as, db) -> None:
    assert client_as("viewer").get(f"{URL}/999999/members").status_code == 404
