"""The outbox now belongs to the mail app (``mail.0001``): removed from notify's state only.

The table ``notify_outgoingemail`` stays, with every row; no SQL runs.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("mail", "0001_initial"),
        ("notify", "0002_outgoingemail_kind_invitation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="OutgoingEmail")],
        ),
    ]
