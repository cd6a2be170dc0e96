from django.db import migrations


class Migration(migrations.Migration):
    """EventPending.received_at becomes handed_on_at: the redispatch moves it forward
    when it hands an event on again."""

    dependencies = [("customers", "0003_event_pending")]

    operations = [
        migrations.RenameField("eventpending", "received_at", "handed_on_at"),
    ]
