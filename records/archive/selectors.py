"""Reading archival packages: the round's packages for staff, one package, what waits."""

from datetime import timedelta
from pathlib import PurePosixPath

from django.http import Http404
from django.utils import timezone

from inventories.models import Round
from portal.permissions import ensure_staff
from records.models import ArchivalPackage

#: A package still "building" after this long lost its worker (the task's hard time limit is
#: shorter): asking again marks it failed and starts a new one.
BUILD_STALE_AFTER = timedelta(hours=1)

#: A package still waiting this long after it was asked for is queued again by the sweeper.
WAITING_GRACE = timedelta(minutes=2)


def archival_packages_of(*, round: Round, user):
    """The round's packages, newest first (staff only)."""
    ensure_staff(user)
    return ArchivalPackage.objects.filter(round=round).select_related("requested_by")


def archival_package_get(*, round: Round, pk: int, user) -> ArchivalPackage:
    """One package of the round (staff only); ``Http404`` for another round's or none."""
    ensure_staff(user)
    try:
        return ArchivalPackage.objects.get(round=round, pk=pk)
    except ArchivalPackage.DoesNotExist:
        raise Http404 from None


def archival_packages_waiting(*, now=None) -> list[int]:
    """Packages still waiting a while after they were asked for (for the beat sweeper)."""
    now = now or timezone.now()
    return list(
        ArchivalPackage.objects.filter(
            status=ArchivalPackage.Status.PENDING, created_at__lt=now - WAITING_GRACE
        ).values_list("pk", flat=True)
    )


def archival_package_may_request(package: ArchivalPackage | None, *, now=None) -> bool:
    """Whether the page offers to build: nothing in the making, or it waits or was lost."""
    return (
        package is None
        or package.status == ArchivalPackage.Status.PENDING
        or archival_package_is_stale(package, now or timezone.now())
    )


def archival_package_storage_name(package: ArchivalPackage) -> str:
    """The one storage name of a package's file (a crashed run's leftover is replaced)."""
    slug = package.round.slug
    return f"archive/{slug}/behovsinventering-{slug}-arkivpaket-{package.pk}.tar"


def archival_package_filename(package: ArchivalPackage) -> str:
    return PurePosixPath(package.file.name).name


def archival_package_is_stale(package: ArchivalPackage, now) -> bool:
    """Still "building" long after the task's hard time limit: its worker was lost."""
    started = package.started_at or package.created_at
    return package.status == ArchivalPackage.Status.BUILDING and started < now - BUILD_STALE_AFTER


def archival_package_open(package: ArchivalPackage):
    """The stored tar of a ready package, open for reading (``Http404`` otherwise)."""
    if not package.is_ready:
        raise Http404
    try:
        return package.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
