"""Offers: unique codes from the block's pattern, the signed link (redirect + link.clicked),
redemption events, and the list API."""

import datetime as dt
import re
import threading
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import signing
from django.db import transaction

from apps.config.celery import app
from apps.customers.handling import events_handle_stored
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Event
from apps.offers import services
from apps.offers.models import Offer
from apps.offers.services import offer_create, offer_link_token
from tests.broker import broker_purge

# The hour this module is loaded: the link view checks the expiry against the wall clock,
# so a fixed date here expired the test offers two weeks after it was written.
NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
TARGET = "https://shop.example.com/welcome-back"


@pytest.fixture
def customer(db) -> Customer:
    return Customer.objects.create(external_id="c-1")


def _create(customer: Customer, key: str = "run:1:a1:1", **fields) -> dict:
    args = {"customer": customer, "code_pattern": "SAVE-{RANDOM6}", "kind": "percent",
            "value": Decimal("10"), "currency": None,
            "expires_at": NOW + dt.timedelta(days=14), "link_target_url": TARGET,
            "idempotency_key": key, "run_id": 1, "workflow_id": 2, "node_id": "a1",
            "now": NOW, **fields}
    return offer_create(**args)


def _path(link: str) -> str:
    return link.removeprefix("http://127.0.0.1:8000")


@pytest.mark.django_db
def test_create_returns_code_link_and_expiry(customer, settings):
    settings.KEEPFLOW_PUBLIC_URL = "https://keepflow.example"

    result = _create(customer)

    offer = Offer.objects.get()
    assert re.fullmatch(r"SAVE-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}", result["code"])
    assert result == {"offer_id": offer.id, "code": offer.code,
                      "link": f"https://keepflow.example/o/{offer_link_token(offer.id)}",
                      "expires_at": (NOW + dt.timedelta(days=14)).isoformat(), "kind": "percent",
                      "value": "10.00", "currency": None}
    assert (offer.customer, offer.run_id, offer.target_url) == (customer, 1, TARGET)


@pytest.mark.django_db
def test_same_key_returns_the_first_offer(customer):
    first = _create(customer, key="run:5:a1:1")
    assert _create(customer, key="run:5:a1:1", code_pattern="OTHER-{RANDOM8}") == first
    assert Offer.objects.count() == 1


@pytest.mark.django_db
def test_code_collisions_are_retried(customer, monkeypatch):
    _create(customer, key="k1", code_pattern="X{RANDOM4}")
    taken = Offer.objects.get().code
    draws = iter([taken, taken, "XZZZZ"])
    monkeypatch.setattr(services, "offer_code_generate", lambda pattern: next(draws))

    with transaction.atomic():  # as the engine calls it: inside its step transaction
        result = _create(customer, key="k2", code_pattern="X{RANDOM4}")

    assert result["code"] == "XZZZZ"
    assert Offer.objects.count() == 2


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.example/", "//evil.example"])
@pytest.mark.django_db
def test_only_http_targets(customer, url):
    with pytest.raises(ValueError, match="link_target_url"):
        _create(customer, link_target_url=url)


@pytest.mark.django_db
def test_link_redirects_and_records_link_clicked(customer, client):
    result = _create(customer)

    response = client.get(_path(result["link"]))

    assert response.status_code == 302
    assert response["Location"] == TARGET
    event = Event.objects.get(type="link.clicked")
    assert event.customer == customer
    assert event.properties == {"offer_id": result["offer_id"], "code": result["code"],
                                "url": TARGET}
    offer = Offer.objects.get()
    assert offer.click_count == 1 and offer.clicked_at is not None


@pytest.mark.django_db
def test_tampered_link_is_a_404_page_without_redirect(customer, client):
    result = _create(customer)
    token = offer_link_token(result["offer_id"])
    forged = signing.Signer(salt="another-salt").sign_object({"offer": result["offer_id"]})

    for path in (f"/o/{token[:-2]}xx", f"/o/{forged}", "/o/nonsense"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Location" not in response
        assert b"not valid" in response.content
    assert not Event.objects.filter(type="link.clicked").exists()


@pytest.mark.django_db
def test_expired_offer_link_is_a_410_page(customer, client):
    result = _create(customer, expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))

    response = client.get(_path(result["link"]))

    assert response.status_code == 410
    assert b"expired" in response.content and "Location" not in response
    assert not Event.objects.filter(type="link.clicked").exists()


@pytest.mark.django_db
def test_link_without_target_shows_the_code(customer, client):
    result = _create(customer, link_target_url=None)
    response = client.get(_path(result["link"]))
    assert response.status_code == 200
    assert result["code"].encode() in response.content


@pytest.mark.django_db
def test_the_offer_page_shows_the_blocks_words_of_the_customers_language(customer, client):
    result = _create(customer, link_target_url=None, page_headline="Willkommen zurück",
                     page_text="Lösen Sie den Code an der Kasse ein.")

    html = client.get(_path(result["link"])).content.decode()

    assert "Willkommen zurück" in html and "Lösen Sie den Code an der Kasse ein." in html
    assert result["code"] in html


@pytest.mark.django_db
def test_redemption_marks_the_offer_once(customer):
    code = _create(customer)["code"]
    first, second = (
        events_ingest([EventIn("c-1", "offer.redeemed", {"code": code.lower()},
                               occurred_at=NOW + dt.timedelta(days=d))])[0].event_id
        for d in (1, 2)
    )

    events_handle_stored([first])
    events_handle_stored([first, second])  # redelivery and a second redemption

    offer = Offer.objects.get()
    assert (offer.redeemed_at, offer.redeemed_event_id) == (NOW + dt.timedelta(days=1), first)


@pytest.mark.django_db
def test_offers_api_lists_by_customer(customer, client_as):
    Customer.objects.create(external_id="c-2")
    mine = _create(customer, key="a")["offer_id"]
    _create(Customer.objects.get(external_id="c-2"), key="b")

    response = client_as("viewer").get("/api/v1/offers?customer=c-1")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [mine]
    assert rows[0]["link"].endswith(offer_link_token(mine))
    assert client_as("viewer").post("/api/v1/offers", {}, format="json").status_code == 405


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_redemption_event_through_a_real_worker(client_as):
    """POST /events offer.redeemed → events_process on a Celery worker → offer redeemed."""
    customer = Customer.objects.create(external_id="c-1")
    code = _create(customer)["code"]
    broker_purge()
    done = threading.Event()

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        response = client_as("composer").post(
            "/api/v1/events", {"customer_id": "c-1", "type": "offer.redeemed",
                               "properties": {"code": code}}, format="json")
        assert response.status_code == 202
        deadline = time.monotonic() + 30
        while not done.is_set() and time.monotonic() < deadline:
            if Offer.objects.filter(redeemed_at__isnull=False).exists():
                done.set()
            time.sleep(0.05)

    assert done.is_set(), "the worker did not mark the offer redeemed"


def test_offers_show_in_the_customer_timeline(customer):
    from apps.customers.selectors import customer_timeline

    result = _create(customer)

    items = [item for item in customer_timeline(customer) if item["kind"] == "offer"]
    assert [(i["title"], i["data"]["code"], i["data"]["redeemed_at"]) for i in items] == [
        (f"Offer {result['code']}", result["code"], None)]
