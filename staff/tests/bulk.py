"""Many submitted inventories at once, for query counts and the synthesis bench: each a copy of
one real submitted version (bulk_create, a handful of queries whatever the number)."""

from inventories.models import Inventory, InventoryVersion
from regions.models import Region

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def regions_up_to(count: int) -> list[Region]:
    """The active regions, with made-up ones added until there are ``count`` of them."""
    existing = set(Region.objects.values_list("code", flat=True))
    have = Region.objects.filter(active=True).count()
    codes = (a + b for a in CODE_LETTERS for b in "0123456789" + CODE_LETTERS)
    new: list[Region] = []
    while have + len(new) < count:
        code = next(codes)  # two characters, as county codes are; never a real one (digits)
        if code in existing:
            continue
        new.append(
            Region(
                code=code,
                name=f"Benchregion {code}",
                county_name=f"Benchlän {code}",
                slug=f"benchregion-{code.lower()}",
            )
        )
    Region.objects.bulk_create(new)
    return list(Region.objects.filter(active=True).order_by("code"))


def copy_versions(version, regions) -> int:
    """A submitted inventory with a copy of ``version`` as its version 1 for each of ``regions``
    that has no inventory in the round yet; returns how many were made."""
    round_ = version.inventory.round
    taken = set(Inventory.objects.filter(round=round_).values_list("region_id", flat=True))
    todo = [region for region in regions if region.pk not in taken]
    inventories = Inventory.objects.bulk_create(
        Inventory(round=round_, region=region, status=Inventory.Status.SUBMITTED) for region in todo
    )
    InventoryVersion.objects.bulk_create(
        InventoryVersion(
            inventory=inventory,
            number=1,
            snapshot_json=version.snapshot_json,
            sha256=version.sha256,
            submitted_at=version.submitted_at,
            submitted_by=version.submitted_by,
            submitted_by_name=version.submitted_by_name,
            deadline=version.deadline,
        )
        for inventory in inventories
    )
    return len(inventories)
