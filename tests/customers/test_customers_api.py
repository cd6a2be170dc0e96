import pytest

from apps.customers.models import Customer, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def composer(client_as):
    return client_as("composer")


def test_put_creates_then_updates_merging_attributes_and_consent(composer):
    created = composer.put(
        "/api/v1/customers/crm-42",
        {"email": "ada@example.com", "phone": "+49 151 2345 6789", "first_name": "Ada",
         "timezone": "Europe/Berlin", "attributes": {"plan": "pro", "seats": 3},
         "tags": ["vip", "b2b", "vip"],
         "consent": {"email": {"status": "granted", "source": "web_form"}}},
        format="json",
    )
    updated = composer.put(
        "/api/v1/customers/crm-42",
        {"attributes": {"seats": None, "nps": 4}, "consent": {"sms": {"status": "denied"}}},
        format="json",
    )

    assert created.status_code == 201 and updated.status_code == 200
    body = updated.json()
    assert body["phone"] == "+4915123456789"
    assert body["first_name"] == "Ada" and body["timezone"] == "Europe/Berlin"
    assert body["attributes"] == {"plan": "pro", "nps": 4}
    assert body["tags"] == ["b2b", "vip"]
    assert body["consent"]["email"]["status"] == "granted"
    assert body["consent"]["email"]["source"] == "web_form"
    assert body["consent"]["sms"]["status"] == "denied"
    assert body["consent"]["sms"]["source"] == "api"
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"phone": "12345"}, "phone", id="phone-not-e164"),
        pytest.param({"phone": "+1 555 0000 000000"}, "phone", id="phone-invalid"),
        pytest.param({"email": "not-an-email"}, "email", id="email"),
        pytest.param({"timezone": "Mars/Olympus"}, "timezone", id="timezone"),
        pytest.param({"attributes": ["a"]}, "attributes", id="attributes-not-object"),
        pytest.param({"tags": "vip"}, "tags", id="tags-not-list"),
        pytest.param({"consent": {"sms": {"status": "maybe"}}}, "consent.sms.status",
                     id="consent-status"),
        pytest.param({"churn_score": 3}, "churn_score", id="churn-score-range"),
    ],
)
def test_bad_profile_fields_are_named(composer, payload, field):
    response = composer.put("/api/v1/customers/c1", payload, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Customer.objects.exists()


def test_list_search_and_filters(client_as):
    Customer.objects.create(external_id="a", email="ada@example.com", tags=["vip"], tier="gold")
    Customer.objects.create(external_id="b", email="bob@example.com", tags=[], tier="")
    Customer.objects.create(external_id="c", first_name="Ada", consent={
        "email": {"status": "denied", "source": "x", "at": "2026-01-01T00:00:00Z"}})
    viewer = client_as("viewer")

    def ids(query: str) -> list[str]:
        response = viewer.get(f"/api/v1/customers?{query}")
        assert response.status_code == 200
        return sorted(c["external_id"] for c in response.json()["results"])

    assert ids("") == ["a", "b", "c"]
    assert ids("search=ada") == ["a", "c"]
    assert ids("tag=vip") == ["a"]
    assert ids("tier=gold") == ["a"]
    assert ids("email_consent=denied") == ["c"]


def test_detail_has_a_360_timeline_newest_first(client_as, key_client):
    key_client("events:write").post("/api/v1/events", {"events": [
        {"customer_id": "t1", "type": "purchase", "occurred_at": "2026-01-01T10:00:00Z",
         "properties": {"amount": 20}},
        {"customer_id": "t1", "type": "feedback.submitted",
         "occurred_at": "2026-02-01T10:00:00Z", "properties": {"score": 3}},
    ]}, format="json")

    body = client_as("viewer").get("/api/v1/customers/t1").json()

    assert [(i["kind"], i["title"]) for i in body["timeline"]] == [
        ("event", "feedback.submitted"), ("event", "purchase")]
    assert body["timeline"][0]["data"]["properties"] == {"score": 3}
    assert body["last_seen_at"] is not None


def test_unknown_customer_is_404(client_as):
    response = client_as("viewer").get("/api/v1/customers/nobody")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": []}


def test_erasure_removes_personal_data_and_events_but_keeps_an_anonymous_row(client_as):
    customer = Customer.objects.create(
        external_id="gone", email="g@example.com", phone="+4915123456789",
        first_name="G", attributes={"plan": "pro"}, tags=["vip"], clv=120)
    Event.objects.create(customer=customer, type="purchase", occurred_at="2026-01-01T00:00Z",
                         received_at="2026-01-01T00:00Z", idempotency_key="e1")
    admin = client_as("admin")

    assert admin.delete("/api/v1/customers/gone").status_code == 204

    row = Customer.objects.get(pk=customer.pk)
    assert row.external_id.startswith("erased:")
    assert (row.email, row.phone, row.first_name, row.attributes, row.tags) == ("", "", "", {}, [])
    assert row.erased_at is not None and row.clv == 120
    assert not Event.objects.exists()
    assert admin.get("/api/v1/customers/gone").status_code == 404
    assert admin.get("/api/v1/customers").json()["count"] == 0
    # The external id is free again for a new customer.
    assert admin.put("/api/v1/customers/gone", {}, format="json").status_code == 201
