
import milepost.core.clock
from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    """Existing rows last changed, as far as anyone knows, when they were made."""
    for name in ("client",):
        apps.get_model("accounts", name).objects.update(updated_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_invitation_revoked'),
    ]

    operations = [
        migrations.AddField(
            model_name='client',
            name='updated_at',
            field=models.DateTimeField(default=milepost.core.clock.now, editable=False, help_text='When it last changed.'),
        ),
        migrations.AddIndex(
            model_name='client',
            index=models.Index(fields=['organisation', 'updated_at'], name='client_updated'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
