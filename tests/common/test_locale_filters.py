# ruff: noqa: RUF001  (Cyrillic letters are Russian, not look-alikes)
"""The locale filters: dates in the customer's time zone, money, numbers and plural forms
in German and Russian as a native reader expects them."""

from typing import Any

import pytest

from apps.common.templating import TemplateError, template_context_for, template_render

OFFER = {"expires_at": "2026-12-31T10:00:00+00:00", "value": "12.5", "currency": "EUR"}


def render(text: str, locale: str, timezone: str = "Europe/Berlin", **extra: Any) -> str:
    context = template_context_for({"first_name": "Ada", "locale": locale,
                                    "timezone": timezone}, offer=OFFER)
    return template_render(text, {**context, **extra})


@pytest.mark.parametrize(("template", "locale", "expected"), [
    pytest.param('{{ offer.expires_at | date: "long" }}', "de", "31. Dezember 2026",
                 id="date-long-de"),
    pytest.param('{{ offer.expires_at | date: "long" }}', "de-AT", "31. Dezember 2026",
                 id="date-long-de-AT"),
    pytest.param('{{ offer.expires_at | date: "long" }}', "ru", "31 декабря 2026\u202fг.",
                 id="date-long-ru"),
    pytest.param('{{ offer.expires_at | date: "long" }}', "", "December 31, 2026",
                 id="date-long-no-locale-is-english"),
    pytest.param('{{ offer.expires_at | date: "short" }}', "de", "31.12.26",
                 id="date-short-de"),
    pytest.param('{{ offer.expires_at | date: "full" }}', "ru",
                 "четверг, 31 декабря 2026\u202fг.", id="date-full-ru"),
    pytest.param('{{ offer.expires_at | date: "d. MMMM, HH:mm" }}', "de",
                 "31. Dezember, 11:00", id="pattern-in-the-customers-zone"),
    pytest.param('{{ offer.expires_at | date: "%Y-%m-%d" }}', "de", "2026-12-31",
                 id="strftime-as-before"),
    pytest.param('{{ offer.value | money: "EUR" }}', "de", "12,50\xa0€", id="money-de"),
    pytest.param('{{ offer.value | money: "EUR" }}', "de-AT", "€\xa012,50", id="money-de-AT"),
    pytest.param('{{ 12.5 | money: "RUB" }}', "ru", "12,50\xa0₽", id="money-ru"),
    pytest.param('{{ 12.5 | money: "EUR" }}', "en", "€12.50", id="money-en"),
    pytest.param("{{ 1234567.891 | number }}", "de", "1.234.567,891", id="number-de"),
    pytest.param("{{ 1234567.891 | number: 2 }}", "ru", "1\xa0234\xa0567,89", id="number-ru"),
    pytest.param("{{ missing | money: 'EUR' }}", "de", "", id="undefined-is-empty"),
])
def test_formats_in_the_customers_locale(template, locale, expected):
    assert render(template, locale) == expected


def test_the_time_zone_moves_the_day():
    template = '{{ "2026-12-31T23:30:00+00:00" | date: "long" }}'
    assert render(template, "de", "Europe/Berlin") == "1. Januar 2027"
    assert render(template, "de", "America/New_York") == "31. Dezember 2026"


@pytest.mark.parametrize(("count", "expected"), [
    (1, "1 день"), (2, "2 дня"), (4, "4 дня"), (5, "5 дней"), (11, "11 дней"),
    (12, "12 дней"), (21, "21 день"), (22, "22 дня"), (25, "25 дней"), (111, "111 дней"),
    (1.5, "1.5 дня"),
])
def test_russian_plural_one_few_many(count, expected):
    template = '{{ n }} {{ n | plural: "день", "дня", "дней" }}'
    assert render(template, "ru", n=count) == expected


@pytest.mark.parametrize(("count", "expected"), [(0, "0 Tage"), (1, "1 Tag"), (3, "3 Tage")])
def test_german_plural_one_other(count, expected):
    assert render('{{ n }} {{ n | plural: "Tag", "Tage" }}', "de", n=count) == expected


def test_a_preview_can_render_in_another_locale():
    context = template_context_for({"locale": "de", "timezone": "UTC"}, offer=OFFER)
    assert template_render('{{ offer.expires_at | date: "long" }}', context,
                           locale="ru") == "31 декабря 2026\u202fг."


@pytest.mark.parametrize("template", [
    '{{ 5 | money: "EURO" }}',
    '{{ "many" | number }}',
    "{{ 5 | plural }}",
])
def test_misuse_is_a_template_error(template):
    with pytest.raises(TemplateError):
        render(template, "de")
