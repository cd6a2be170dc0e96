"""The block catalog in the reader's language: every text a block shows (label,
description, group, field titles and descriptions, choice labels) has a German and a
Russian translation, and GET /api/v1/blocks answers in the user's language, else the
browser's."""

import pytest
from django.utils import translation

from blocks.base import SUMMARY_FORMATTERS
from blocks.i18n import (
    block_text,
    entry_texts,
    plural_forms,
    schema_map,
    summary_placeholders,
)
from blocks.messages import block_messages_collect, block_messages_update
from blocks.registry import block_get, blocks_every_version, catalog, catalog_entry_english

pytestmark = pytest.mark.django_db


def test_every_block_text_is_in_the_catalogs_and_translated():
    reports = block_messages_update(write=False)

    assert [(r.language, r.changed, r.untranslated) for r in reports] == [
        ("de", False, []), ("ru", False, [])], "run manage.py block_messages and translate"


@pytest.mark.parametrize("language", ["de", "ru"])
def test_every_catalog_text_reads_differently_or_is_a_name(language):
    # Names and codes read the same in every language; everything else is translated.
    same = {text for text in block_messages_collect()
            if isinstance(text, str) and block_text(text, language) == text}
    same |= {singular for singular, plural in _plurals()
             if set(plural_forms(singular, plural, language).values()) & {singular, plural}}

    assert same <= {"Segment", "Filter", "Format", "Text", "URL", "SMS", "E-mail",
                    # vendors, and German words that are spelled the same
                    "HubSpot", "Salesforce", "Pipedrive", "Name", "Normal", "Status", "Tags",
                    "Pipeline"}


def _plurals() -> list[tuple[str, str]]:
    return [text for text in block_messages_collect() if isinstance(text, tuple)]


@pytest.mark.parametrize("language", ["de", "ru"])
def test_summary_translations_keep_their_placeholders(language):
    # The canvas fills in {field|formatter}: a translation that renames one shows a gap.
    texts = [text for spec in blocks_every_version() if not spec.translations
             for line in spec.summary for text in line.texts()]
    broken = [text for text in texts
              if summary_placeholders(block_text(text, language)) != summary_placeholders(text)]
    broken += [singular for singular, plural in _plurals()
               for form in plural_forms(singular, plural, language).values()
               if summary_placeholders(form) != summary_placeholders(singular)]

    assert texts and broken == []


@pytest.mark.parametrize(("language", "days", "line"), [
    ("en", -1, "{offset_days|abs} day before their {attribute}"),
    ("de", -30, "{offset_days|abs} Tage vor dem Datum {attribute}"),
    ("ru", -1, "За {offset_days|abs} день до даты из атрибута {attribute}"),  # noqa: RUF001
    ("ru", -3, "За {offset_days|abs} дня до даты из атрибута {attribute}"),  # noqa: RUF001
    ("ru", -5, "За {offset_days|abs} дней до даты из атрибута {attribute}"),  # noqa: RUF001
])
def test_a_plural_summary_line_brings_every_form_of_the_language(language, days, line):
    # The browser picks the form with Intl.PluralRules: one (1, 21), few (2-4), many (5-20).
    category = {1: "one", 3: "few", 5: "many", 30: "many"}[abs(days)]
    if language in ("en", "de"):
        category = "one" if abs(days) == 1 else "other"
    with translation.override(language):
        entry = next(e for e in catalog() if e["key"] == "trigger.date")

    before = next(item for item in entry["summary"] if item["when"][0]["op"] == "lt")
    assert before["count"] == "offset_days" and before["forms"][category] == line


def test_summary_lines_name_known_formatters():
    texts = [text for spec in blocks_every_version() for line in spec.summary
             for text in (*line.texts(), line.plural)]
    formatters = {placeholder.strip("{}").partition("|")[2].partition(":")[0]
                  for text in texts for placeholder in summary_placeholders(text)}

    assert formatters - {""} <= set(SUMMARY_FORMATTERS)


def test_the_schema_walk_leaves_property_names_and_values_alone():
    schema = {"title": "Task", "properties": {
        "title": {"title": "Title", "default": "Title", "enum": ["Title"],
                  "x-enum-labels": {"Title": "Title"}}}}

    assert schema_map(schema, str.upper) == {"title": "TASK", "properties": {
        "title": {"title": "TITLE", "default": "Title", "enum": ["Title"],
                  "x-enum-labels": {"Title": "TITLE"}}}}


def _send_email(entries):
    return next(entry for entry in entries if entry["key"] == "action.send_email")


@pytest.mark.parametrize(("language", "label", "group", "subject", "marketing"), [
    ("en", "Send e-mail", "Messages", "Subject", "Marketing (needs opt-in)"),
    ("de", "E-Mail senden", "Nachrichten", "Betreff", "Marketing (braucht Einwilligung)"),
    ("ru", "Отправить e-mail", "Сообщения", "Тема", "Маркетинг (нужно согласие)"),
])
def test_the_catalog_api_answers_in_the_browser_language(
        client_as, language, label, group, subject, marketing):
    response = client_as("viewer").get("/api/v1/blocks", HTTP_ACCEPT_LANGUAGE=language)

    entry = _send_email(response.json())
    schema = entry["config_schema"]
    assert (entry["label"], entry["group"]) == (label, group)
    assert schema["title"] == label
    assert schema["properties"]["subject"]["title"] == subject
    assert schema["properties"]["category"]["x-enum-labels"]["marketing"] == marketing
    assert schema["properties"]["category"]["enum"] == ["transactional", "marketing"]


def test_the_catalog_api_follows_the_users_language_over_the_browser(client_as):
    client = client_as("viewer")
    client.patch("/api/v1/me", {"language": "ru"}, format="json")

    entries = client.get("/api/v1/blocks", HTTP_ACCEPT_LANGUAGE="de").json()

    assert _send_email(entries)["label"] == "Отправить e-mail"


def test_each_language_has_its_own_cached_catalog():
    with translation.override("de"):
        german = catalog()
    english = catalog()

    assert _send_email(german)["label"] == "E-Mail senden"
    assert _send_email(english)["label"] == "Send e-mail"


def test_the_english_entry_is_what_the_block_module_declares():
    spec = block_get("action.send_email")

    assert catalog_entry_english(spec)["label"] == spec.label
    assert "Send e-mail" in list(entry_texts(catalog_entry_english(spec)))
