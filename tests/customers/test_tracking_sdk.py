"""The real Segment Python SDK (segment-analytics-python) against a live Keepflow server:
what users get when they point their SDK's host at Keepflow."""

from collections.abc import Callable

import pytest
from segment.analytics import Client
from segment.analytics.request import APIError

from apps.accounts.services import api_key_create
from apps.customers.models import Customer, Event


@pytest.fixture
def sdk(live_server, transactional_db) -> Callable[..., Client]:
    """A Segment client whose write key is a Keepflow API key with events:write."""
    raw = api_key_create(name="segment", scopes=["events:write"])[1]
    clients: list[Client] = []

    def make(**options) -> Client:
        client = Client(write_key=raw, host=live_server.url, max_retries=0, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        if not client.sync_mode:
            client.shutdown()


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_identify_then_track_in_sync_mode(sdk, gzip):
    client = sdk(sync_mode=True, gzip=gzip)

    client.identify("user-1", {"email": "ada@example.com", "firstName": "Ada",
                               "plan": "pro"}, context={"timezone": "Europe/London"})
    client.track("user-1", "Order Completed", {"revenue": 42.5, "currency": "EUR"},
                 message_id="order-1001")

    customer = Customer.objects.get(external_id="user-1")
    assert (customer.email, customer.first_name, customer.timezone, customer.attributes) == (
        "ada@example.com", "Ada", "Europe/London", {"plan": "pro"})
    identify, track = Event.objects.filter(customer=customer).order_by("id")
    assert (identify.type, identify.source) == ("identify", "tracking")
    assert (track.type, track.idempotency_key, track.source) == (
        "Order Completed", "segment:order-1001", "tracking")
    assert track.properties["revenue"] == 42.5
    assert track.properties["currency"] == "EUR"
    assert track.properties["context"]["library"]["name"] == "analytics-python"


def test_queued_messages_go_as_one_batch_on_flush(sdk):
    errors: list[Exception] = []
    client = sdk(on_error=lambda exc, batch: errors.append(exc), upload_interval=0.1)

    client.identify(anonymous_id="device-9", traits={"locale": "fr-FR"})
    for n in range(25):
        client.track(anonymous_id="device-9", event="Viewed Item", properties={"n": n},
                     message_id=f"view-{n}")
    client.track(anonymous_id="device-9", event="Viewed Item", message_id="view-0")
    client.page(anonymous_id="device-9", name="Checkout")
    client.flush()

    assert errors == []
    customer = Customer.objects.get(external_id="anon:device-9")
    assert customer.locale == "fr-FR"
    assert Event.objects.filter(customer=customer, type="Viewed Item").count() == 25
    assert Event.objects.filter(customer=customer, type="page.viewed").count() == 1


def test_a_repeated_message_id_is_stored_once(sdk):
    client = sdk(sync_mode=True)

    for _ in range(3):
        client.track("user-2", "Subscription Renewed", message_id="renewal-2026-03")

    assert Event.objects.filter(idempotency_key="segment:renewal-2026-03").count() == 1


def test_the_sdk_reports_our_400_with_its_code_and_message(sdk):
    client = sdk(sync_mode=True)

    with pytest.raises(APIError) as raised:
        client.track("user-3", "x" * 101)

    assert (raised.value.status, raised.value.code, raised.value.message) == (
        400, "max_length", "Invalid input.")
    assert not Event.objects.exists()


def test_a_key_without_events_write_is_refused(live_server, transactional_db):
    raw = api_key_create(name="reader", scopes=["read"])[1]
    client = Client(write_key=raw, host=live_server.url, sync_mode=True, max_retries=0)

    with pytest.raises(APIError) as raised:
        client.track("user-4", "Nope")

    assert (raised.value.status, raised.value.code) == (403, "permission_denied")
    assert not Event.objects.exists()
