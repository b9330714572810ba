"""Retention plans per round, and the append-only log of what they purged.

On PostgreSQL a row trigger refuses any UPDATE or DELETE of a purge record, whatever the client
(as for the audit history, ``inventories/0011_immutability_in_the_database``).
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION records_refuse_purge_record_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Purge records are append-only: % on records_purgerecord refused',
        TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER purgerecord_append_only
    BEFORE UPDATE OR DELETE ON records_purgerecord
    FOR EACH ROW EXECUTE FUNCTION records_refuse_purge_record_change();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS purgerecord_append_only ON records_purgerecord;
DROP FUNCTION IF EXISTS records_refuse_purge_record_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY, params=None)


def plans_for_existing_rounds(apps, schema_editor):
    """Every round gets a plan with the defaults, to edit in the admin."""
    Round = apps.get_model("inventories", "Round")
    RetentionPlan = apps.get_model("records", "RetentionPlan")
    for round_ in Round.objects.filter(retention_plan__isnull=True):
        RetentionPlan.objects.create(round=round_)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('inventories', '0018_reminder_time_default_callable'),
        ('records', '0001_archival_package'),
    ]

    operations = [
        migrations.CreateModel(
            name='PurgeRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('contact_person', 'Kontaktperson anonymiserad'), ('draft', 'Utkast raderat'), ('access_attempt', 'Inloggningsförsök raderade'), ('access_failure', 'Misslyckade inloggningar raderade'), ('access_log', 'Inloggningslogg raderad'), ('session', 'Utgångna sessioner raderade'), ('otp_throttle', 'Spärrar för felaktiga koder nollställda')], db_index=True, max_length=20, verbose_name='vad')),
                ('object_ids', models.JSONField(default=list, verbose_name='id:n')),
                ('count', models.PositiveIntegerField(verbose_name='antal')),
                ('reason', models.TextField(verbose_name='skäl')),
                ('data', models.JSONField(blank=True, default=dict)),
                ('trigger', models.CharField(max_length=20, verbose_name='startad av')),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='tidpunkt')),
                ('round', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventories.round', verbose_name='omgång')),
            ],
            options={
                'verbose_name': 'gallring',
                'verbose_name_plural': 'gallringslogg',
                'ordering': ['-created_at', '-id'],
                'base_manager_name': 'objects',
            },
        ),
        migrations.CreateModel(
            name='RetentionPlan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('contact_inactive_months', models.PositiveSmallIntegerField(default=24, help_text='Namn och e-postadress för en inaktiverad kontaktperson som inte har loggat in på så här många månader ersätts med anonyma uppgifter. Kontot kan sedan inte användas.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(240)], verbose_name='kontaktpersoner: anonymiseras efter (månader)')),
                ('draft_months', models.PositiveSmallIntegerField(default=12, help_text='Innehållet i en behovsinventering som aldrig skickades in raderas så här många månader efter att omgången stängde (sista dag och alla förlängningar passerade).', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(240)], verbose_name='utkast: raderas efter (månader)')),
                ('sign_in_days', models.PositiveSmallIntegerField(default=30, help_text='Misslyckade inloggningar och spärrar för felaktiga koder sparas så här många dagar. Utgångna sessioner raderas alltid.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(3650)], verbose_name='inloggningsuppgifter: raderas efter (dagar)')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='senast ändrad')),
                ('round', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='retention_plan', to='inventories.round', verbose_name='omgång')),
            ],
            options={
                'verbose_name': 'gallringsplan',
                'verbose_name_plural': 'gallringsplaner',
                'ordering': ['-round__opens_at'],
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger),
        migrations.RunPython(plans_for_existing_rounds, migrations.RunPython.noop),
    ]
