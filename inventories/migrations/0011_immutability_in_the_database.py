"""Submitted versions and audit events are immutable in the database too (PostgreSQL).

Row triggers refuse UPDATE and DELETE whatever the client (raw SQL, another program, a
``bulk_create(update_conflicts=True)``). The one change allowed on an audit event is its actor
set to NULL when that user account is deleted (``on_delete=SET_NULL``). TRUNCATE (the test
runner's flush) fires no row trigger. SQLite keeps the ORM guard only. To repair a row by hand,
the table owner can ``ALTER TABLE … DISABLE TRIGGER …`` inside a transaction.
"""

from django.db import migrations, models
import django.db.models.deletion

FORWARD = """
CREATE OR REPLACE FUNCTION portal_refuse_version_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Submitted versions are immutable: % on inventories_inventoryversion refused',
        TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER inventoryversion_immutable
    BEFORE UPDATE OR DELETE ON inventories_inventoryversion
    FOR EACH ROW EXECUTE FUNCTION portal_refuse_version_change();

CREATE OR REPLACE FUNCTION portal_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (NEW.id, NEW.inventory_id, NEW.round_id, NEW.region_id, NEW.action, NEW.message,
            NEW.data, NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.inventory_id, OLD.round_id, OLD.region_id, OLD.action, OLD.message,
            OLD.data, OLD.created_at)
    THEN
        RETURN NEW;  -- the user account was deleted: the entry stays, without its actor
    END IF;
    RAISE EXCEPTION 'Audit events are append-only: % on inventories_auditevent refused',
        TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER auditevent_append_only
    BEFORE UPDATE OR DELETE ON inventories_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_refuse_audit_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS auditevent_append_only ON inventories_auditevent;
DROP FUNCTION IF EXISTS portal_refuse_audit_change();
DROP TRIGGER IF EXISTS inventoryversion_immutable ON inventories_inventoryversion;
DROP FUNCTION IF EXISTS portal_refuse_version_change();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventories', '0010_document_expected_sha256'),
        ('regions', '0002_load_regions'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='inventory',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_events', to='inventories.inventory'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='region',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='round',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventories.round'),
        ),        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
