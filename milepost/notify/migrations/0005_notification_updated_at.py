
import milepost.core.clock
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    """Existing rows last changed, as far as anyone knows, when they were made."""
    for name in ("notification",):
        apps.get_model("notify", name).objects.update(updated_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('notify', '0004_project_category'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='updated_at',
            field=models.DateTimeField(default=milepost.core.clock.now, editable=False, help_text='When it last changed.'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['user', 'updated_at'], name='notify_noti_user_id_970f70_idx'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
