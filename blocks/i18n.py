"""The block library's words in the reader's language.

Block modules declare their texts in English (labels, descriptions, groups, field titles
and descriptions, enum labels) and stay that way: the catalog translates them when it is
built for a language, with the English text as the gettext msgid, from the `blocks`
domain (locale/<language>/LC_MESSAGES/blocks.po, kept apart from Django's `django`
domain so that `makemessages`, which only sees gettext calls in code, never marks them
obsolete). `manage.py block_messages` adds new texts to those catalogs; see
locale/README.md.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation

DOMAIN = "blocks"
# JSON Schema keywords whose value is a schema, a list of schemas or a map of them.
_SCHEMA = ("additionalProperties", "items", "not", "contains", "propertyNames")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs")
_TEXTS = ("title", "description")
ENUM_LABELS = "x-enum-labels"
# Texts of a catalog entry itself (the palette card, the upgrade notice's "what's new").
ENTRY_TEXTS = ("group", "label", "description", "changes")


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


@cache
def _translations(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, locale_dir(), languages=[language], fallback=True)


def block_language(language: str | None = None) -> str:
    """"de-at" -> "de"; the active language when none is given."""
    return (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def block_text(text: str, language: str | None = None) -> str:
    """An English block text in `language` (default: the active one); itself if untranslated."""
    if not text:
        return text
    return _translations(block_language(language)).gettext(text)


def schema_map(schema: Any, change: Callable[[str], str]) -> Any:
    """A copy of a JSON Schema with `change` applied to every title, description and
    x-enum-labels value, at any depth (property names and values are left alone)."""
    if isinstance(schema, list):
        return [schema_map(item, change) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _TEXTS and isinstance(value, str):
            out[key] = change(value)
        elif key == ENUM_LABELS and isinstance(value, Mapping):
            out[key] = {name: change(label) if isinstance(label, str) else label
                        for name, label in value.items()}
        elif key in _SCHEMA or key in _SCHEMA_LISTS:
            out[key] = schema_map(value, change)
        elif key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {name: schema_map(sub, change) for name, sub in value.items()}
        else:
            out[key] = value
    return out


def entry_translate(entry: Mapping[str, Any], language: str | None = None, *,
                    own: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A catalog entry with its texts and its config schema's texts in `language`. `own`:
    the block's own translations into that language (a block package's), tried first."""

    def change(text: str) -> str:
        if own and text in own:
            return own[text]
        return block_text(text, language)

    translated = dict(entry)
    for key in ENTRY_TEXTS:
        if isinstance(entry.get(key), str):
            translated[key] = change(entry[key])
    translated["config_schema"] = schema_map(entry.get("config_schema", {}), change)
    if isinstance(entry.get("summary"), list):
        translated["summary"] = [_summary_translate(line, change, language, own)
                                 for line in entry["summary"]]
    return translated


# A number of each CLDR plural category the canvas asks Intl.PluralRules for ("other" is
# fractions in Russian, where the few form reads right), to pick gettext's form by.
PLURAL_SAMPLES = {"one": 1, "few": 2, "many": 5, "other": 2}


def plural_forms(singular: str, plural: str, language: str | None = None, *,
                 own: Mapping[str, str] | None = None) -> dict[str, str]:
    """{CLDR plural category: text} of an English singular/plural pair in `language`, so
    the browser picks the form by its own plural rules (the same as gettext's). `own`: a
    block package's translations ({singular: ..., plural: ...}, two forms only)."""
    if own and singular in own:
        one, other = own[singular], own.get(plural, own[singular])
        return {category: one if n == 1 else other for category, n in PLURAL_SAMPLES.items()}
    translations = _translations(block_language(language))
    return {category: translations.ngettext(singular, plural, n)
            for category, n in PLURAL_SAMPLES.items()}


def _summary_translate(line: Mapping[str, Any], change: Callable[[str], str],
                       language: str | None, own: Mapping[str, str] | None) -> dict[str, Any]:
    translated = dict(line)
    translated["text"] = change(line["text"]) if line.get("text") else line.get("text", "")
    translated["parts"] = [change(part) for part in line.get("parts", [])]
    forms = line.get("forms")
    if forms:
        translated["forms"] = plural_forms(forms["one"], forms["other"], language, own=own)
    return translated


def entry_texts(entry: Mapping[str, Any]) -> Iterator[str]:
    """Every text of a catalog entry that a person reads, in English (for the catalogs)."""
    for key in ENTRY_TEXTS:
        if isinstance(entry.get(key), str) and entry[key]:
            yield entry[key]
    found: list[str] = []

    def collect(text: str) -> str:
        found.append(text)
        return text

    schema_map(entry.get("config_schema", {}), collect)
    yield from (text for text in found if text)
    for line in entry.get("summary") or ():
        # Plural lines are pairs (summary_plurals); a line of placeholders only has no words.
        if not line.get("forms"):
            yield from (text for text in [line.get("text", ""), *line.get("parts", [])]
                        if summary_has_words(text))


_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def summary_has_words(text: str) -> bool:
    """Whether a summary text says anything beyond its placeholders ("{body}" does not)."""
    return bool(re.sub("[\\s·,:%+\\-\u2212()]", "", _PLACEHOLDER.sub("", text)))


def summary_placeholders(text: str) -> list[str]:
    """The placeholders of a summary text, sorted ("{timeout|duration}")."""
    return sorted(_PLACEHOLDER.findall(text))


def summary_plurals(entry: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The (singular, plural) English pairs of an entry's summary lines."""
    for line in entry.get("summary") or ():
        forms = line.get("forms")
        if forms:
            yield forms["one"], forms["other"]
