"""The inventory's attachments: list, upload and delete (contact persons, while editable) and
download (the region's contact persons and staff; a file is served only once clamd found it
clean).

A refused file is reported next to the file field with its Swedish reason; the kind and the
description typed stay in the form (a browser never keeps a chosen file).
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from inventories import uploads
from inventories.errors import InventoryLocked
from inventories.forms.attachments import AttachmentForm
from inventories.selectors import attachment_get, attachments_of
from inventories.services.attachments import (
    AttachmentContentChanged,
    attachment_content,
    attachment_delete,
    attachment_upload,
    attachments_total_size,
)
from inventories.views.common import (
    apply_service_errors,
    load_existing_page,
    load_page,
    not_started,
    render_page,
    require_contact,
)
from portal.permissions import second_factor_required


def _render(page, form, *, status=200):
    inventory = page.inventory
    listed = list(attachments_of(inventory=inventory))
    return render_page(
        page,
        "inventories/attachments.html",
        {
            "form": form,
            "attachments": listed,
            "any_checking": any(item.is_checking for item in listed),
            "scanner_configured": bool(settings.CLAMD_SOCKET),
            "allowed_types": uploads.allowed_labels(),
            "max_file_size": settings.ATTACHMENT_MAX_FILE_SIZE,
            "max_total_size": settings.ATTACHMENT_MAX_TOTAL_SIZE,
            "used_size": attachments_total_size(inventory),
            "review_url": page.url("review"),
        },
        step="attachments",
        title=_("Bilagor"),
        status=status,
        error_items=form.error_items(),
    )


@second_factor_required
def attachments(request, region_slug, round_slug):
    page = load_page(request, region_slug, round_slug)
    if page.inventory is None:
        return not_started(page)
    if request.method != "POST":
        return _render(page, AttachmentForm())
    require_contact(page)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(page, form, status=400)
    try:
        attachment = attachment_upload(
            inventory=page.inventory,
            user=request.user,
            uploaded_file=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"] or "",
        )
    except InventoryLocked as exc:
        page.locked_reason = exc.messages[0]
        form.add_error(None, exc.messages[0])
        return _render(page, form, status=409)
    except ValidationError as exc:
        apply_service_errors(exc, form)
        return _render(page, form, status=400)
    messages.success(
        request,
        _("Bilagan ”%(name)s” är uppladdad och kontrolleras nu.")
        % {"name": attachment.original_name},
    )
    return redirect(page.url("attachments"))


@second_factor_required
def attachment_remove(request, region_slug, round_slug, pk):
    page = load_existing_page(request, region_slug, round_slug)
    attachment = attachment_get(inventory=page.inventory, pk=pk)
    if request.method != "POST":
        return redirect(page.url("attachments"))
    require_contact(page)
    try:
        attachment_delete(attachment=attachment, user=request.user)
    except InventoryLocked as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("Bilagan ”%(name)s” är borttagen.") % {"name": attachment.original_name},
        )
    return redirect(page.url("attachments"))


@require_GET
@second_factor_required
def attachment_download(request, region_slug, round_slug, pk):
    page = load_existing_page(request, region_slug, round_slug)
    attachment = attachment_get(inventory=page.inventory, pk=pk)
    if not attachment.is_clean:
        # Being checked or quarantined: nobody downloads it.
        raise Http404
    try:
        content = attachment_content(attachment)
    except (AttachmentContentChanged, OSError) as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Content-Disposition"] = _content_disposition(attachment.original_name)
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _content_disposition(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
