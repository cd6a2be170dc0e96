"""The compiled gettext catalogs (locale/<language>/LC_MESSAGES/<domain>.mo) and whether
they match their .po sources. `scripts/compile-messages` runs this module.

The .mo files are committed, not built at start-up: Keepflow is also started without
make (the Procfile's gunicorn, a platform whose release step runs in a container of its
own, a plain clone), and each of those would then serve English without a word of
warning. tests/test_translations.py fails while a .mo file says something else than its
.po, so a forgotten compile cannot land. Babel (already a dependency of python-liquid)
compiles, so GNU gettext's msgfmt is not needed."""

from __future__ import annotations

import gettext
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"


def po_files(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def _catalog(po_path: Path) -> Catalog:
    with po_path.open("rb") as source:
        return read_po(source, locale=po_path.parents[1].name, domain=po_path.stem)


def mo_bytes(po_path: Path) -> bytes:
    """The .mo of a .po as Babel writes it (fuzzy entries left out, as msgfmt does)."""
    buffer = io.BytesIO()
    write_mo(buffer, _catalog(po_path), use_fuzzy=False)
    return buffer.getvalue()


def _messages(mo: bytes) -> dict[object, str]:
    catalog = dict(gettext.GNUTranslations(io.BytesIO(mo))._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)  # the header: its dates may differ between compilers
    return catalog


def stale_mo_files(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """The .po files whose .mo is missing or translates differently (compared by content,
    so a .mo from msgfmt or Django's compilemessages counts as current too)."""
    stale = []
    for po_path in po_files(locale_dir):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or \
                _messages(mo_path.read_bytes()) != _messages(mo_bytes(po_path)):
            stale.append(po_path)
    return stale


def messages_compile(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write the .mo of every stale .po; returns the .mo files written."""
    written = []
    for po_path in stale_mo_files(locale_dir):
        mo_path = po_path.with_suffix(".mo")
        mo_path.write_bytes(mo_bytes(po_path))
        written.append(mo_path)
    return written


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = stale_mo_files()
        for path in stale:
            print(f"{path.with_suffix('.mo')} is out of date: run scripts/compile-messages")
        return 1 if stale else 0
    for path in messages_compile():
        print(f"compiled {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
