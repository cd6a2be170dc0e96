# ruff: noqa: RUF001  (Cyrillic letters are Russian, not look-alikes)
"""The default exit reasons; an admin edits, reorders or deactivates them later."""

from django.db import migrations

DEFAULT_REASONS = [
    ("too_expensive", "Too expensive", "Zu teuer", "Слишком дорого"),
    ("better_offer", "Found a better offer", "Anderswo ein besseres Angebot gefunden",
     "Нашёл предложение выгоднее"),
    ("poor_service", "Poor service", "Mit dem Service unzufrieden",
     "Не устроило обслуживание"),
    ("no_longer_needed", "Moved or no longer need it", "Umgezogen oder kein Bedarf mehr",
     "Переехал или больше не нужно"),
    ("other", "Other", "Etwas anderes", "Другое"),
]


def reasons_seed(apps, schema_editor):
    ExitReason = apps.get_model("surveys", "ExitReason")
    for position, (code, en, de, ru) in enumerate(DEFAULT_REASONS, start=1):
        ExitReason.objects.get_or_create(code=code, defaults={
            "label_en": en, "label_de": de, "label_ru": ru, "position": position})


def reasons_unseed(apps, schema_editor):
    ExitReason = apps.get_model("surveys", "ExitReason")
    ExitReason.objects.filter(code__in=[row[0] for row in DEFAULT_REASONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(reasons_seed, reasons_unseed)]
