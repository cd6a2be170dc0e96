"""Keeps the `blocks` gettext catalogs (locale/<language>/LC_MESSAGES/blocks.po) in step
with the block library: every text of the English catalog is an entry there, with the
block types that use it as a comment for translators. `manage.py block_messages` runs it;
tests/blocks/test_i18n.py fails while an entry lacks a translation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from django.conf import settings

from blocks.i18n import DOMAIN, entry_texts, locale_dir, summary_plurals
from blocks.registry import (
    DEFAULT_GROUPS,
    block_package,
    blocks_every_version,
    catalog_entry_english,
)

PO_WIDTH = 100
HEADER = ("# The block library's texts (palette, block forms) for Keepflow.\n"
          "# Entries come from `manage.py block_messages`; translate the msgstr lines, then\n"
          "# run scripts/compile-messages.")


def block_messages_collect() -> dict[str | tuple[str, str], list[str]]:
    """{English text, or (singular, plural) of a summary line: the block types (or
    "palette") that show it}, in catalog order."""
    texts: dict[str | tuple[str, str], list[str]] = {}
    for group in DEFAULT_GROUPS.values():
        texts.setdefault(group, []).append("palette")
    for spec in blocks_every_version():
        if block_package(spec.type):  # block packages bring their own translations
            continue
        entry = catalog_entry_english(spec)
        found: list[str | tuple[str, str]] = [*entry_texts(entry), *summary_plurals(entry)]
        for text in found:
            users = texts.setdefault(text, [])
            if spec.type not in users:
                users.append(spec.type)
    return texts


def _untranslated(string: object) -> bool:
    """No translation yet: empty, or a plural entry with an empty form."""
    return not all(string) if isinstance(string, tuple | list) else not string


def block_messages_path(language: str) -> Path:
    return locale_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def translated_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != "en"]


@dataclass
class MessagesReport:
    language: str
    changed: bool  # the .po file gained or lost entries (written unless checking)
    untranslated: list[str]  # msgids with no (or only a fuzzy) translation


def _content(catalog: Catalog) -> list[tuple[str, str, bool, str]]:
    # Comments compared by their words: a long one comes back from the file wrapped.
    return [(str(m.id), str(m.string), m.fuzzy, " ".join(" ".join(m.auto_comments).split()))
            for m in catalog if m.id]


def block_messages_update(*, write: bool = True) -> list[MessagesReport]:
    """Merge the collected texts into each language's blocks.po: new texts come in
    untranslated, texts no block shows any more go. Files are written only when their
    entries change (no churn of header dates)."""
    texts = block_messages_collect()
    template = Catalog(domain=DOMAIN, project="Keepflow", fuzzy=False)
    for text, users in texts.items():
        template.add(text, auto_comments=[", ".join(users)])
    reports = []
    for language in translated_languages():
        path = block_messages_path(language)
        if path.exists():
            with path.open("rb") as source:
                catalog = read_po(source, locale=language, domain=DOMAIN)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="Keepflow", fuzzy=False,
                              header_comment=HEADER, copyright_holder="Keepflow")
        before = _content(catalog)
        catalog.update(template, no_fuzzy_matching=True)
        changed = _content(catalog) != before
        if changed and write:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as target:
                write_po(target, catalog, width=PO_WIDTH, ignore_obsolete=True,
                         include_previous=False)
        untranslated = [str(m.id) for m in catalog
                        if m.id and (_untranslated(m.string) or m.fuzzy)]
        reports.append(MessagesReport(language, changed, untranslated))
    return reports
