"""Downloading the PDF copy of record of a submitted version.

The region's contact persons download their own versions' PDFs (another region gets 404, like
every page scoped to a region); staff download every region's. A PDF not stored yet gives a page
saying it is on its way; a stored PDF that is missing or changed gives a page saying so (503) and
flags the record. Never an error page.
"""

import logging

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from inventories.services.integrity import version_verify
from inventories.services.records import (
    DocumentIntegrityError,
    version_document_content,
    version_for_download,
    version_pdf_filename,
)
from portal.permissions import second_factor_required

logger = logging.getLogger(__name__)


@require_GET
@second_factor_required
def version_pdf(request, region_slug, round_slug, number):
    version = version_for_download(
        user=request.user, region_slug=region_slug, round_slug=round_slug, number=number
    )
    document = getattr(version, "document", None)
    context = {
        "version": version,
        "region": version.inventory.region,
        "round": version.inventory.round,
        "document": document,
        "title": _("PDF-kopian av version %(number)s") % {"number": version.number},
    }
    if document is None or not document.is_ready:
        response = render(request, "inventories/version_pdf_pending.html", context)
        response["Cache-Control"] = "no-store"
        return response
    try:
        content = version_document_content(document)
    except (DocumentIntegrityError, OSError) as exc:
        # The stored file is missing or changed: flag the record (staff are e-mailed once) and
        # say so plainly. 503: the copy may come back once it is restored from a backup.
        logger.error("PDF of version %s cannot be served: %s", version.pk, exc)
        problems = version_verify(version=version)
        response = render(
            request,
            "inventories/version_pdf_pending.html",
            {**context, "unavailable": True, "problems": problems},
            status=503,
        )
        response["Cache-Control"] = "no-store"
        return response
    filename = version_pdf_filename(version)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "private, no-store"
    return response
