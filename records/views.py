"""The archival packages of a round for staff: ask for one, follow it, download it."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from inventories.models import Round
from portal.permissions import staff_required
from records import archive
from records.models import ArchivalPackage
from staff.selectors import round_get_for_staff


def _round(slug: str) -> Round:
    return round_get_for_staff(slug=slug)


@staff_required
def archival_packages(request, round_slug):
    """GET: the round's packages with status and progress. POST: ask for a new package."""
    round_ = _round(round_slug)
    if request.method == "POST":
        package = archive.archival_package_request(round=round_, user=request.user)
        messages.success(
            request,
            _("Arkivpaketet byggs. Sidan visar hur långt det har kommit.")
            if package.status == ArchivalPackage.Status.PENDING
            else _("Ett arkivpaket för omgången byggs redan."),
        )
        return redirect("records:archival_packages", round_slug=round_.slug)
    packages = list(archive.archival_packages_of(round=round_, user=request.user))
    active = next((p for p in packages if p.is_active), None)
    return render(
        request,
        "records/archival_packages.html",
        {
            "round": round_,
            "packages": packages,
            "active": active,
            "may_request": archive.archival_package_may_request(active),
        },
    )


@staff_required
@require_GET
def archival_package_download(request, round_slug, pk):
    """The stored tar of a ready package (404 while it is not ready)."""
    round_ = _round(round_slug)
    package = archive.archival_package_get(round=round_, pk=pk, user=request.user)
    response = FileResponse(
        archive.archival_package_open(package),
        as_attachment=True,
        filename=archive.archival_package_filename(package),
        content_type="application/x-tar",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Checksum-SHA256"] = package.sha256
    return response
