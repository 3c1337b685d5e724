
import milepost.core.clock
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def backfill(apps, schema_editor):
    """Existing rows last changed, as far as anyone knows, when they were made."""
    for name in ("changeorder", "changeorderrequest", "project", "projectaccess"):
        apps.get_model("plans", name).objects.update(updated_at=F("created_at"))

    # A milestone has no creation time of its own: it starts as old as its project.
    project = apps.get_model("plans", "project")
    made = project.objects.filter(pk=OuterRef("project_id")).values("created_at")[:1]
    apps.get_model("plans", "milestone").objects.update(updated_at=Subquery(made))


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0007_change_orders'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='changeorder',
            name='updated_at',
            field=models.DateTimeField(default=milepost.core.clock.now, editable=False, help_text='When it last changed.'),
        ),
        migrations.AddField(
            model_name='changeorderrequest',
            name='updated_at',
            field=models.DateTimeField(default=milepost.core.clock.now, editable=False, help_text='When it last changed.'),
        ),
        migrations.AddField(
            model_name='milestone',
            name='updated_at',
            field=models.DateTimeField(default=milepost.core.clock.now, editable=False, help_text='When it last changed.'),
        ),
        migrations.AddField(
            model_name='project',
            name='updated_at',
            field=models.DateTimeField(default=milepost.core.clock.now, editable=False, help_text='When it last changed.'),
        ),
        migrations.AddField(
            model_name='projectaccess',
            name='updated_at',
            field=models.DateTimeField(default=milepost.core.clock.now, editable=False, help_text='When it last changed.'),
        ),
        migrations.AddIndex(
            model_name='project',
            index=models.Index(fields=['organisation', 'updated_at'], name='project_updated'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
