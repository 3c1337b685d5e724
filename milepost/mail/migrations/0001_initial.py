"""The outbox moves from notify to mail in Django's state only: the table stays as it is.

The model keeps its table (``notify_outgoingemail``), its index and constraint names, so no row
moves and no SQL runs; its content type is relabelled, so its permissions keep their rows.
``notify.0003`` then removes the model from notify's state.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def relabel_content_type(apps, schema_editor, old="notify", new="mail"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label=new, model="outgoingemail").exists():
        types.filter(app_label=old, model="outgoingemail").update(app_label=new)


def relabel_content_type_back(apps, schema_editor):
    relabel_content_type(apps, schema_editor, old="mail", new="notify")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0003_client_language_client_reverse_charge_and_more"),
        ("billing", "0004_stripe_event_organisation_and_reason"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("notify", "0002_outgoingemail_kind_invitation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="OutgoingEmail",
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('message', 'Notification'), ('invitation', 'Invitation'), ('password_reset', 'Password reset')], default='message', max_length=16)),
                        ('category', models.CharField(blank=True, max_length=20)),
                        ('to', models.EmailField(max_length=254)),
                        ('subject', models.CharField(max_length=300)),
                        ('text', models.TextField(blank=True)),
                        ('html', models.TextField(blank=True)),
                        ('headers', models.JSONField(default=dict)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed')], default='pending', max_length=8)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('last_error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('invitation', models.ForeignKey(blank=True, help_text='The invitation whose link is minted when this email is sent.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.invitation')),
                        ('invoice', models.ForeignKey(blank=True, help_text="Attach this invoice's PDF.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='billing.invoice')),
                        ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.organisation')),
                        ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'notify_outgoingemail',
                        'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='notify_outg_status_8d0768_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('kind', 'invitation'), _negated=True), ('invitation__isnull', False), _connector='OR'), name='outgoing_email_invitation_has_invitation'), models.CheckConstraint(condition=models.Q(('kind', 'message'), models.Q(('text', ''), ('html', '')), _connector='OR'), name='outgoing_email_token_kinds_store_no_body')],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel_content_type, relabel_content_type_back),
    ]
