"""On PostgreSQL the database itself refuses to change a submitted version or an audit event."""

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.db.models.deletion import ProtectedError

from inventories.models import AuditEvent, Inventory, InventoryVersion
from inventories.tests.records_helpers import IN_ROUND, submit_inventory
from regions.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def refused(sql, params=()):
    with pytest.raises(DatabaseError, match="immutable|append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_raw_sql_cannot_update_or_delete_a_submitted_version(postgres, region, contact):
    version = submit_inventory(region=region, user=contact)
    table = InventoryVersion._meta.db_table

    refused(f"UPDATE {table} SET snapshot_json = '{{}}' WHERE id = %s", [version.pk])
    refused(f"UPDATE {table} SET sha256 = repeat('0', 64)")
    refused(f"DELETE FROM {table} WHERE id = %s", [version.pk])
    # An upsert is an UPDATE too.
    refused(
        f"INSERT INTO {table} (id, inventory_id, number, snapshot_json, sha256, submitted_at,"
        " submitted_by_id, submitted_by_name, deadline)"
        f" SELECT id, inventory_id, number, '{{}}', sha256, submitted_at, submitted_by_id,"
        f" submitted_by_name, deadline FROM {table} WHERE id = %s"
        " ON CONFLICT (id) DO UPDATE SET snapshot_json = EXCLUDED.snapshot_json",
        [version.pk],
    )
    stored = InventoryVersion.objects.get(pk=version.pk)
    assert stored.snapshot_json == version.snapshot_json and stored.sha256 == version.sha256


def test_raw_sql_cannot_update_or_delete_an_audit_event(postgres, region, contact):
    submit_inventory(region=region, user=contact)
    event = AuditEvent.objects.get(action=AuditEvent.Action.SUBMITTED)
    table = AuditEvent._meta.db_table

    refused(f"UPDATE {table} SET message = 'ändrad' WHERE id = %s", [event.pk])
    refused(f"UPDATE {table} SET data = '{{}}'::jsonb WHERE id = %s", [event.pk])
    refused(f"UPDATE {table} SET actor_id = NULL, message = '' WHERE id = %s", [event.pk])
    refused(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).message == event.message


def test_deleting_a_user_keeps_the_history_without_its_actor(postgres, region, staff_user):
    # The one change the trigger allows: on_delete=SET_NULL when an account is deleted.
    from inventories.services.audit import audit_record

    someone = UserFactory()
    event = audit_record(action=AuditEvent.Action.CONTACT_CHANGED, actor=someone, region=region)
    someone.delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert kept.actor_id is None and kept.action == AuditEvent.Action.CONTACT_CHANGED


def test_deleting_what_the_history_describes_is_refused_by_the_orm(postgres, region, contact):
    from inventories.services import inventory_open
    from inventories.tests.factories import round_2019

    with time_machine.travel(IN_ROUND, tick=False):
        inventory = inventory_open(round=round_2019(), region=region, user=contact)
    with pytest.raises(ProtectedError):
        Inventory.objects.filter(pk=inventory.pk).delete()
    assert AuditEvent.objects.filter(inventory=inventory).exists()


@pytest.mark.django_db(transaction=True)
def test_a_flush_still_empties_the_tables(postgres, region, contact):
    # What TransactionTestCase and live-server tests do between tests: TRUNCATE fires no row
    # trigger, so the protected tables empty like any other.
    from django.core.management import call_command

    submit_inventory(region=region, user=contact)
    call_command("flush", interactive=False, verbosity=0)
    assert not InventoryVersion.objects.exists() and not AuditEvent.objects.exists()
