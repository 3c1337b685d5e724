
import milepost.core.clock
from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    """Existing rows last changed, as far as anyone knows, when they were made."""
    for name in ("delivery", "supportrequest"):
        apps.get_model("reviews", name).objects.update(updated_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0003_prepayment_reversed_entry'),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='updated_at',
            field=models.DateTimeField(default=milepost.core.clock.now, editable=False, help_text='When it last changed.'),
        ),
        migrations.AddField(
            model_name='supportrequest',
            name='updated_at',
            field=models.DateTimeField(default=milepost.core.clock.now, editable=False, help_text='When it last changed.'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
