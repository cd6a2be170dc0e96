"""The gettext catalogs under locale/: every entry translated into German and Russian, and
the committed .mo files say what their .po files say (scripts/compile-messages)."""

import pytest
from babel.messages.pofile import read_po

from apps.common.translations import po_files, stale_mo_files


def test_every_catalog_is_compiled_and_current():
    assert po_files(), "no gettext catalogs under locale/"
    assert stale_mo_files() == [], "run scripts/compile-messages and commit the .mo files"


@pytest.mark.parametrize("path", po_files(), ids=lambda path: f"{path.parents[1].name}/{path.name}")
def test_every_entry_is_translated(path):
    with path.open("rb") as source:
        catalog = read_po(source, locale=path.parents[1].name)

    missing = [message.id for message in catalog if message.id and (
        message.fuzzy or not all(message.string if isinstance(message.string, tuple)
                                 else [message.string]))]

    assert missing == []
