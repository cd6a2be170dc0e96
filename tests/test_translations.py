"""The committed .mo files say what their .po files say (scripts/compile-messages)."""

from apps.common.translations import po_files, stale_mo_files


def test_every_catalog_is_compiled_and_current():
    assert po_files(), "no gettext catalogs under locale/"
    assert stale_mo_files() == [], "run scripts/compile-messages and commit the .mo files"
