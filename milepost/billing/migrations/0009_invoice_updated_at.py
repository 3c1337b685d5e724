
import milepost.core.clock
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    """Existing rows last changed, as far as anyone knows, when they were made."""
    for name in ("invoice",):
        apps.get_model("billing", name).objects.update(updated_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0008_cash_flow_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='invoice',
            name='updated_at',
            field=models.DateTimeField(default=milepost.core.clock.now, editable=False, help_text='When it last changed.'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(fields=['organisation', 'updated_at'], name='invoice_updated'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
