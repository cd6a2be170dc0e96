"""The back office: messages are read-only there (their lifecycle moves through the
services); the suppression list is editable."""

import pytest

from apps.messaging.models import Message, Suppression

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user, make_customer, queue):
    queue(make_customer())
    Suppression.objects.create(channel="sms", address="+4915100000009")
    client.force_login(make_user("admin"))
    return client


@pytest.mark.parametrize("model", ["message", "suppression"])
def test_admin_pages_render(admin_client, model) -> None:
    obj = (Message if model == "message" else Suppression).objects.get()
    assert admin_client.get(f"/admin/messaging/{model}/").status_code == 200
    assert admin_client.get(f"/admin/messaging/{model}/{obj.pk}/change/").status_code == 200


def test_messages_cannot_be_added_or_edited_by_hand(admin_client) -> None:
    message = Message.objects.get()
    assert admin_client.get("/admin/messaging/message/add/").status_code == 403
    admin_client.post(f"/admin/messaging/message/{message.pk}/change/", {"status": "sent"})
    message.refresh_from_db()
    assert message.status == "queued"
