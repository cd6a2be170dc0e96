# ruff: noqa: RUF001  (Cyrillic letters are Russian, not look-alikes)
"""Message variants on a real Celery worker: one workflow with English, German and
Russian texts sends each customer the variant of their locale (de-AT falls back to de,
fr to the default), through the real SendGrid and Twilio SDKs against the fake provider,
with amounts formatted for each customer and the variant kept in the message log."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from babel.numbers import format_currency
from celery.contrib.testing.worker import start_worker

from apps.config.celery import app
from apps.customers.models import Customer
from apps.engine.models import Run, RunState
from apps.messaging.models import Message
from apps.offers.models import Offer
from tests.broker import broker_purge
from tests.engine.conftest import ingest
from tests.messaging.conftest import TWILIO_SID, TWILIO_TOKEN
from tests.messaging.fake_provider import FakeProvider
from tests.workflows.graphs import edge, graph, node, trigger

TIMEOUT = 60.0
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
GRANTED = {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"}


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def fake_provider(settings) -> Iterator[FakeProvider]:
    """SendGrid and Twilio selected, their SDKs pointed at the fake server."""
    fake = FakeProvider().start()
    settings.SENDGRID_API_HOST = settings.TWILIO_API_BASE_URL = fake.url
    settings.KEEPFLOW_EMAIL_PROVIDER, settings.KEEPFLOW_SMS_PROVIDER = "sendgrid", "twilio"
    settings.SENDGRID_API_KEY, settings.SENDGRID_FROM_EMAIL = "SG.test-key", "care@shop.example"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = TWILIO_SID, TWILIO_TOKEN
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.KEEPFLOW_QUIET_HOURS = ""
    yield fake
    fake.stop()


def three_language_graph() -> dict:
    return graph(
        trigger(),
        node("of", "action.offer", {
            "value": 10, "headline": "Welcome back", "variants": {
                "de": {"headline": "Willkommen zurück"}, "ru": {"headline": "С возвращением"}}}),
        node("em", "action.send_email", {
            "subject": "We are sorry, {{ customer.first_name }}",
            "body": "<p>Your credit: {{ 1234.5 | money: 'EUR' }}</p>",
            "from_name": "Care team", "category": "transactional",
            "variants": {
                "de": {"subject": "Es tut uns leid, {{ customer.first_name }}",
                       "body": "<p>Ihr Guthaben: {{ 1234.5 | money: 'EUR' }}</p>",
                       "from_name": "Kundenservice"},
                "ru": {"subject": "Простите нас, {{ customer.first_name }}",
                       "body": "<p>Ваш бонус: {{ 1234.5 | money: 'EUR' }}</p>"}}}),
        node("sm", "action.send_sms", {
            "body": "Sorry! Code {{ offer.code }}", "category": "transactional",
            "variants": {"de": {"body": "Entschuldigung! Code {{ offer.code }}"},
                         "ru": {"body": "Простите! Код {{ offer.code }}"}}}),
        edges=[edge("t1", "of"), edge("of", "em"), edge("em", "sm")],
    )


def test_each_customer_gets_the_variant_of_their_locale(publish, fake_provider) -> None:
    customers = {
        locale: Customer.objects.create(
            external_id=f"c-{locale}", first_name=name, locale=locale,
            email=f"{name.lower()}@example.com", phone=phone, timezone="Europe/Vienna",
            consent={"email": GRANTED, "sms": GRANTED})
        for locale, name, phone in (("de-AT", "Anna", "+436641234567"),
                                    ("ru", "Olga", "+79161234567"),
                                    ("fr", "Claire", "+33612345678"))}
    workflow = publish(three_language_graph())
    broker_purge()

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        for customer in customers.values():
            ingest(customer.external_id, "feedback.submitted", {"score": 2})
        wait_for(lambda: Run.objects.filter(workflow=workflow, state=RunState.COMPLETED)
                 .count() == 3, "three completed runs")
        wait_for(lambda: Message.objects.filter(status="sent").count() == 6,
                 "six messages sent")

    emails = {r.json()["personalizations"][0]["to"][0]["email"]: r.json()
              for r in fake_provider.recorded("sendgrid")}
    assert {address: (mail["subject"], mail["content"][0]["value"], mail["from"].get("name"))
            for address, mail in emails.items()} == {
        "anna@example.com": ("Es tut uns leid, Anna", "<p>Ihr Guthaben: €\xa01.234,50</p>",
                             "Kundenservice"),
        "olga@example.com": ("Простите нас, Olga", "<p>Ваш бонус: 1\xa0234,50\xa0€</p>",
                             "Care team"),
        "claire@example.com": ("We are sorry, Claire", "<p>Your credit: "
                               f"{format_currency(1234.5, 'EUR', locale='fr')}</p>",
                               "Care team"),
    }
    texts = {r.form()["To"]: r.form()["Body"] for r in fake_provider.recorded("messages")}
    codes = {o.customer.locale: o.code for o in Offer.objects.select_related("customer")}
    assert texts == {"+436641234567": f"Entschuldigung! Code {codes['de-AT']}",
                     "+79161234567": f"Простите! Код {codes['ru']}",
                     "+33612345678": f"Sorry! Code {codes['fr']}"}
    assert {o.customer.locale: o.page_headline
            for o in Offer.objects.select_related("customer")} == {
        "de-AT": "Willkommen zurück", "ru": "С возвращением", "fr": "Welcome back"}
    logged = {(m.customer.locale, m.channel): m.options.get("variant")
              for m in Message.objects.select_related("customer")}
    assert logged == {("de-AT", "email"): "de", ("de-AT", "sms"): "de",
                      ("ru", "email"): "ru", ("ru", "sms"): "ru",
                      ("fr", "email"): "default", ("fr", "sms"): "default"}
    outputs = {run.customer.locale: run.variables.get("sm", {}).get("variant")
               for run in Run.objects.select_related("customer")}
    assert outputs == {"de-AT": "de", "ru": "ru", "fr": "default"}
