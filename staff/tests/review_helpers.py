"""Helpers for the staff review tests: moments in the 2019 round and submitted inventories."""

import datetime
import hashlib
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.base import ContentFile

from inventories.services import inventory_submit
from inventories.tests.factories import open_inventory, round_2019

STOCKHOLM = ZoneInfo("Europe/Stockholm")
IN_ROUND = datetime.datetime(2019, 11, 15, 10, 0, tzinfo=STOCKHOLM)
REVIEW_DAY = datetime.datetime(2019, 12, 2, 9, 0, tzinfo=STOCKHOLM)
RESUBMIT_DAY = datetime.datetime(2019, 12, 10, 14, 0, tzinfo=STOCKHOLM)
ROUND_DEADLINE = datetime.datetime(2020, 1, 20, 23, 59, 59, tzinfo=STOCKHOLM)


def submitted_inventory(*, region, user, round=None, when=IN_ROUND, **fill):
    """Open, fill completely and submit the region's inventory (version 1) at ``when``."""
    round_ = round or round_2019()
    with time_machine.travel(when, tick=False):
        inventory = open_inventory(round=round_, region=region, user=user, **fill)
        version = inventory_submit(inventory=inventory, user=user)
    inventory.refresh_from_db()
    return inventory, version


def store_pdf(version, content: bytes | None = None):
    """Store a PDF copy of record for ``version`` as the copy-of-record work does (ready)."""
    from inventories.models import VersionDocument

    content = content or (b"%PDF-1.7\n% copy of record " + version.sha256.encode() + b"\n%%EOF\n")
    document = VersionDocument.objects.filter(version=version).first() or VersionDocument(
        version=version
    )
    document.file.save(f"test/v{version.pk}-{version.number}.pdf", ContentFile(content), save=False)
    document.sha256 = hashlib.sha256(content).hexdigest()
    document.size = len(content)
    document.status = VersionDocument.Status.READY
    document.save()
    return document


def copy_version(version, region):
    """A submitted version for ``region`` with the same content (cheap, for the query count)."""
    from inventories.models import InventoryVersion
    from regions.tests.factories import ContactPersonFactory

    user = ContactPersonFactory(region=region).user
    inventory = version.inventory
    copy = type(inventory).objects.create(round=inventory.round, region=region, status="submitted")
    InventoryVersion.objects.create(
        inventory=copy,
        number=1,
        snapshot_json=version.snapshot_json,
        sha256=version.sha256,
        submitted_at=version.submitted_at,
        submitted_by=user,
        submitted_by_name=user.full_name,
        deadline=version.deadline,
    )


def submit_in_round(region, *, interventions, goals=1, tweak=None):
    """A new contact person of ``region`` fills the 2019 round's inventory (``tweak`` may change
    it first) and submits it; returns the version."""
    from regions.tests.factories import ContactPersonFactory

    user = ContactPersonFactory(region=region).user
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(
            round=round_2019(), region=region, user=user, interventions=interventions, goals=goals
        )
        if tweak:
            tweak(inventory)
        return inventory_submit(inventory=inventory, user=user)


def stockholm_third(inventory):
    """Stockholm's third intervention: another area, dimension and effect, low priority."""
    from inventories.models import Intervention

    Intervention.objects.filter(inventory=inventory, position=3).update(
        activity_areas=["funds"],
        dimensions=["environmental"],
        effects=["leadership"],
        priority="low",
    )


def seed_round(region, other_region):
    """Skåne: 2 interventions, 2 goals. Stockholm: 3 interventions (the third in another area,
    dimension and effect, low priority), 1 goal. Uppsala: a draft with 1 intervention. The other
    18 regions have not started. Returns the round."""
    from regions.models import Region
    from regions.tests.factories import ContactPersonFactory

    submit_in_round(region, interventions=2, goals=2)
    submit_in_round(other_region, interventions=3, goals=1, tweak=stockholm_third)
    uppsala = Region.objects.get(code="03")
    with time_machine.travel(IN_ROUND, tick=False):
        open_inventory(
            round=round_2019(),
            region=uppsala,
            user=ContactPersonFactory(region=uppsala).user,
            interventions=1,
            goals=0,
        )
    return round_2019()
