# ruff: noqa: RUF001  (Cyrillic letters are Russian, not look-alikes)
"""The exit reasons a new installation starts with (code, English, German, Russian).

The data migration seeds them; `exit_reasons_defaults_ensure` puts back the missing ones
(tests whose database was flushed, an installation that wants them again)."""

from __future__ import annotations

from typing import Any

DEFAULT_REASONS: tuple[tuple[str, str, str, str], ...] = (
    ("too_expensive", "Too expensive", "Zu teuer", "Слишком дорого"),
    ("better_offer", "Found a better offer", "Anderswo ein besseres Angebot gefunden",
     "Нашёл предложение выгоднее"),
    ("poor_service", "Poor service", "Mit dem Service unzufrieden",
     "Не устроило обслуживание"),
    ("no_longer_needed", "Moved or no longer need it", "Umgezogen oder kein Bedarf mehr",
     "Переехал или больше не нужно"),
    ("other", "Other", "Etwas anderes", "Другое"),
)


def exit_reasons_defaults_ensure(model: Any = None) -> int:
    """Create the default reasons whose code is missing; returns how many it created.
    `model` is the migration's historical ExitReason (the current one otherwise)."""
    if model is None:
        from apps.surveys.models import ExitReason

        model = ExitReason
    created = 0
    for position, (code, en, de, ru) in enumerate(DEFAULT_REASONS, start=1):
        _, new = model.objects.get_or_create(code=code, defaults={
            "label_en": en, "label_de": de, "label_ru": ru, "position": position})
        created += new
    return created
