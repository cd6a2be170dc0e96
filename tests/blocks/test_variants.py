"""Variants per locale: the customer's locale picks the texts, falling back from the
region to the language to the default; bad locale tags are refused."""

import pytest

from blocks.actions.send_email import run as send_email
from blocks.actions.send_sms import run as send_sms
from blocks.variants import locale_chain, variant_pick
from tests.blocks.conftest import FakeCustomer, first_error, valid_config

VARIANTS = {"de": "de", "ru": "ru", "de-CH": "de-CH"}


@pytest.mark.parametrize(("locale", "picked"), [
    pytest.param("de-AT", "de", id="region-falls-back-to-language"),
    pytest.param("de_at", "de", id="underscore-and-case"),
    pytest.param("de-CH", "de-CH", id="region-variant-wins"),
    pytest.param("ru", "ru", id="language"),
    pytest.param("ru-RU", "ru", id="russian-region"),
    pytest.param("fr", "default", id="no-variant"),
    pytest.param("", "default", id="no-locale"),
    pytest.param(None, "default", id="none"),
])
def test_variant_pick(locale, picked):
    assert variant_pick(VARIANTS, locale)[0] == picked


def test_locale_chain():
    assert locale_chain("de-AT") == ["de-AT", "de"]
    assert locale_chain("") == []


EMAIL = {"subject": "Sorry, {{ customer.first_name }}", "body": "<p>We are sorry.</p>",
         "from_name": "Care team", "category": "transactional",
         "variants": {"de": {"subject": "Entschuldigung, {{ customer.first_name }}",
                             "body": "<p>Es tut uns leid.</p>"},
                      "ru": {"subject": "Извините, {{ customer.first_name }}",
                             "body": "<p>Нам очень жаль.</p>", "from_name": "Служба заботы"}}}


@pytest.mark.parametrize(("locale", "subject", "from_name", "variant"), [
    pytest.param("de-AT", "Entschuldigung, Ada", "Care team", "de", id="de-AT"),
    pytest.param("ru", "Извините, Ada", "Служба заботы", "ru", id="ru"),
    pytest.param("fr", "Sorry, Ada", "Care team", "default", id="fr"),
])
def test_send_email_sends_the_variant_of_the_locale(make_ctx, locale, subject, from_name,
                                                   variant):
    ctx = make_ctx(customer=FakeCustomer(locale=locale))

    outcome = send_email(ctx, valid_config("action.send_email", EMAIL))

    (name, sent), = ctx.effects.calls
    assert (name, sent["subject"], sent["from_name"], sent["variant"]) == \
        ("send_email", subject, from_name, variant)
    assert outcome.output["variant"] == variant


def test_send_sms_reports_the_variants_size(make_ctx):
    config = valid_config("action.send_sms", {
        "body": "Your code expires soon.", "category": "transactional",
        "variants": {"ru": {"body": "Ваш код скоро истечёт."}}})

    outcome = send_sms(make_ctx(customer=FakeCustomer(locale="ru")), config)

    assert outcome.output["variant"] == "ru"
    assert outcome.output["sms"]["encoding"] == "UCS-2"


@pytest.mark.parametrize(("variants", "field", "code"), [
    pytest.param({"DE": {"body": "x"}}, "variants.DE", "invalid_locale", id="upper-language"),
    pytest.param({"de_AT": {"body": "x"}}, "variants.de_AT", "invalid_locale",
                 id="underscore"),
    pytest.param({"deutsch": {"body": "x"}}, "variants.deutsch", "invalid_locale",
                 id="a-word"),
    pytest.param({"de": {}}, "variants.de.body", "required", id="empty-variant"),
    pytest.param({"de": {"body": "{{ x"}}, "variants.de.body", "template_syntax",
                 id="broken-template"),
])
def test_invalid_variants(variants, field, code):
    assert first_error("action.send_sms", {"body": "Hi", "variants": variants}) == (field, code)


def test_an_exit_survey_variant_needs_the_link():
    config = {"channel": "sms", "body": "Why? {{ survey.url }}",
              "variants": {"de": {"body": "Warum?"}}}
    assert first_error("action.exit_survey", config) == ("variants.de.body", "missing_link")
