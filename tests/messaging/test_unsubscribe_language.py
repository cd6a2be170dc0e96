"""The unsubscribe page speaks the customer's language (profile locale), else the
browser's; a link that names no one speaks the browser's."""

import pytest
from django.test import Client

from apps.messaging.links import unsubscribe_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def web() -> Client:
    return Client()


@pytest.mark.parametrize(("locale", "accept", "title"), [
    ("ru_RU", "de", "Отписаться"),
    ("de-AT", "", "Abmelden"),
    ("", "ru", "Отписаться"),
    ("", "", "Unsubscribe"),
], ids=["profile-ru", "profile-de-AT", "browser-ru", "english"])
def test_the_unsubscribe_page_speaks_the_customers_language(make_customer, web, locale, accept,
                                                            title):
    customer = make_customer(locale=locale)

    page = web.get(f"/unsubscribe/{unsubscribe_token(customer.pk)}",
                   HTTP_ACCEPT_LANGUAGE=accept)

    assert page.status_code == 200
    assert f"<h1>{title}</h1>" in page.content.decode()
    assert page["Content-Language"] == {"Отписаться": "ru", "Abmelden": "de"}.get(title, "en")


def test_after_unsubscribing_a_russian_customer_reads_it_in_russian(make_customer, web):
    customer = make_customer(locale="ru")

    done = web.post(f"/unsubscribe/{unsubscribe_token(customer.pk)}",
                    "List-Unsubscribe=One-Click",
                    content_type="application/x-www-form-urlencoded")

    assert "Вы отписались" in done.content.decode()


def test_a_broken_link_speaks_the_browsers_language(web):
    page = web.get("/unsubscribe/not-a-token", HTTP_ACCEPT_LANGUAGE="de-DE")

    assert page.status_code == 404
    assert "Dieser Link funktioniert nicht" in page.content.decode()
