"""The default exit reasons; an admin edits, reorders or deactivates them later."""

from django.db import migrations

from apps.surveys.defaults import DEFAULT_REASONS, exit_reasons_defaults_ensure


def reasons_seed(apps, schema_editor):
    exit_reasons_defaults_ensure(apps.get_model("surveys", "ExitReason"))


def reasons_unseed(apps, schema_editor):
    ExitReason = apps.get_model("surveys", "ExitReason")
    ExitReason.objects.filter(code__in=[row[0] for row in DEFAULT_REASONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(reasons_seed, reasons_unseed)]
