"""Every path that creates an inventory creates its Del 1 and Del 3 rows with it.

Reminders, the review page and the PDF read both parts; the reminders also cope without them
(``reminders/tests/test_reminders_sending.py``), but no path of the portal leaves them out.
"""

import datetime

import pytest
import time_machine

from inventories.models import CurrentState, TargetState
from inventories.tests.factories import open_inventory, round_2019
from regions.models import Region
from reminders.schedule import STOCKHOLM
from staff.services import region_deadline_extend


@pytest.mark.django_db
def test_every_path_that_creates_an_inventory_creates_its_del_1_and_del_3(
    region, contact, staff_user
):
    in_round = datetime.datetime(2019, 11, 1, 10, 0, tzinfo=STOCKHOLM)
    with time_machine.travel(in_round, tick=False):
        opened = open_inventory(round=round_2019(), region=region, user=contact, filled=False)
        other = Region.objects.get(code="01")
        extended = region_deadline_extend(
            round=round_2019(),
            region=other,
            new_deadline=round_2019().deadline + datetime.timedelta(days=7),
            reason="Sjukdom",
            actor=staff_user,
        )
    for inventory in (opened, extended):
        assert CurrentState.objects.filter(inventory=inventory).exists()
        assert TargetState.objects.filter(inventory=inventory).exists()
