"""On PostgreSQL, a save or a submission locks its own inventory row, not the round's or the
region's: while one region's save holds its lock, other regions of the same round save and submit
at once, and staff extend another region's deadline (no queue behind the round's row)."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection

from inventories.models import Inventory
from inventories.services import current_state_save, inventory_submit
from inventories.services import parts as parts_services
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.records_helpers import IN_ROUND
from regions.models import Region
from regions.tests.factories import ContactPersonFactory
from reminders.services import deadline_extend

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _save(inventory, user, text):
    state = inventory.current_state
    return current_state_save(
        inventory=inventory,
        user=user,
        data={"context": text},
        budget_lines=[{"description": "Samordning", "amount": 1_000}],
        revision=state.revision,
    )


def test_a_save_in_progress_does_not_hold_up_other_regions_of_the_round(
    postgres, monkeypatch, staff_user
):
    regions = list(Region.objects.order_by("code")[:4])
    with time_machine.travel(IN_ROUND, tick=False):
        jobs = []
        for region in regions:
            user = ContactPersonFactory(region=region).user
            jobs.append((open_inventory(round=round_2019(), region=region, user=user), user))
        (held, held_user), (saver, saver_user), (submitter, submitter_user), (late, _user) = jobs

        # The first region's save stops inside its transaction, its locks taken, until released.
        inside, release = threading.Event(), threading.Event()
        replace = parts_services._budget_lines_replace

        def paused(inventory, lines):
            replace(inventory, lines)
            if inventory.pk == held.pk:
                inside.set()
                release.wait(timeout=60)

        monkeypatch.setattr(parts_services, "_budget_lines_replace", paused)
        errors = []

        def hold():
            try:
                _save(held, held_user, "Den första regionens text")
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                connection.close()

        thread = threading.Thread(target=hold)
        thread.start()
        try:
            assert inside.wait(timeout=30)
            with connection.cursor() as cursor:
                # Waiting for a lock longer than this fails the statement (and this test).
                cursor.execute("SET lock_timeout = '3s'")
            try:
                _save(saver, saver_user, "Den andra regionens text")
                inventory_submit(inventory=submitter, user=submitter_user)
                deadline_extend(
                    inventory=late,
                    new_deadline=round_2019().deadline + datetime.timedelta(days=7),
                    reason="Sjukdom",
                    actor=staff_user,
                )
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("RESET lock_timeout")
        finally:
            release.set()
            thread.join(timeout=60)
    assert not thread.is_alive() and errors == []
    texts = dict(Inventory.objects.values_list("pk", "current_state__context"))
    assert texts[held.pk] == "Den första regionens text"
    assert texts[saver.pk] == "Den andra regionens text"
    assert Inventory.objects.get(pk=submitter.pk).status == Inventory.Status.SUBMITTED
    assert Inventory.objects.get(pk=late.pk).deadline_override is not None
