"""The package's words in other languages, by their English text (translations.json:
{language: {English text: translation}}). Keepflow's catalog uses them for the palette
and the block forms (BlockSpec.translations)."""

from __future__ import annotations

import json
from importlib.resources import files

TRANSLATIONS: dict[str, dict[str, str]] = json.loads(
    files(__package__).joinpath("translations.json").read_text(encoding="utf-8"))
