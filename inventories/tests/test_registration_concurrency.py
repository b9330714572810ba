"""On PostgreSQL, ten regions submitting for the first time at the same moment get ten registration
numbers: unique and without gaps (the row lock on the round's sequence)."""

import threading
import time

import pytest
import time_machine
from django.db import connection

from inventories.models import Inventory, InventoryVersion, Round
from inventories.services import inventory_submit
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.records_helpers import IN_ROUND
from regions.models import Region
from regions.tests.factories import ContactPersonFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 10


def test_ten_first_submissions_at_once_get_unique_gap_free_numbers(postgres, monkeypatch):
    # Widen the window between reading the sequence and writing it back, so that without the row
    # lock the submissions would read the same counter (this test then fails).
    format_number = Round.registration_number_format

    def slow_format(self, counter):
        time.sleep(0.05)
        return format_number(self, counter)

    monkeypatch.setattr(Round, "registration_number_format", slow_format)
    Round.objects.filter(slug="2019").update(registration_prefix="Ä 2019-", registration_next=41)
    jobs = []
    with time_machine.travel(IN_ROUND, tick=False):
        for region in Region.objects.order_by("code")[:THREADS]:
            user = ContactPersonFactory(region=region).user
            jobs.append((open_inventory(round=round_2019(), region=region, user=user), user))

        barrier = threading.Barrier(THREADS)
        errors = []

        def submit(inventory, user):
            try:
                barrier.wait(timeout=30)
                inventory_submit(inventory=inventory, user=user)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=submit, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    numbers = sorted(Inventory.objects.values_list("registration_number", flat=True))
    assert numbers == [f"Ä 2019-{n:04d}" for n in range(41, 41 + THREADS)]
    assert Round.objects.get(slug="2019").registration_next == 41 + THREADS
    # Each version of record carries its inventory's number.
    for version in InventoryVersion.objects.select_related("inventory"):
        assert version.registration_number == version.inventory.registration_number
