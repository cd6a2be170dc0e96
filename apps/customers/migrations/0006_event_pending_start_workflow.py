from django.db import migrations, models


class Migration(migrations.Migration):
    """EventPending.start_workflow_id: a webhook call's event also names the workflow whose
    webhook trigger it starts, so the drain starts that run in its batch."""

    dependencies = [("customers", "0005_segment_membership_indexes")]

    operations = [
        migrations.AddField(
            model_name="eventpending",
            name="start_workflow_id",
            field=models.BigIntegerField(
                blank=True, null=True,
                help_text="The workflow whose webhook trigger this event starts (a webhook "
                          "call); null for events that only meet event triggers."),
        ),
    ]
