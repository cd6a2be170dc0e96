"""The block catalog in the reader's language: every text a block shows (label,
description, group, field titles and descriptions, choice labels) has a German and a
Russian translation, and GET /api/v1/blocks answers in the user's language, else the
browser's."""

import pytest
from django.utils import translation

from blocks.i18n import block_text, entry_texts, schema_map
from blocks.messages import block_messages_collect, block_messages_update
from blocks.registry import block_get, catalog, catalog_entry_english

pytestmark = pytest.mark.django_db


def test_every_block_text_is_in_the_catalogs_and_translated():
    reports = block_messages_update(write=False)

    assert [(r.language, r.changed, r.untranslated) for r in reports] == [
        ("de", False, []), ("ru", False, [])], "run manage.py block_messages and translate"


@pytest.mark.parametrize("language", ["de", "ru"])
def test_every_catalog_text_reads_differently_or_is_a_name(language):
    # Names and codes read the same in every language; everything else is translated.
    same = {text for text in block_messages_collect()
            if block_text(text, language) == text}

    assert same <= {"Segment", "Filter", "Format", "Text", "URL", "SMS", "E-mail",
                    # vendors, and German words that are spelled the same
                    "HubSpot", "Salesforce", "Pipedrive", "Name", "Normal", "Status", "Tags",
                    "Pipeline"}


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
