"""The staff area (/handlaggare/): the progress board, one region's inventory, review actions,
versions with their diff, the audit history and the exports of a round.

Only members of the Handläggare group get in (``portal.views.staff_required``): everyone else
gets 404, and anonymous visitors are sent to sign in. Views are thin: load through a selector,
validate a form, call one service, turn its errors into form errors, redirect.
"""

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inventories import exports, services
from inventories import selectors_staff as selectors
from inventories.diff import version_diff
from inventories.models import Inventory
from inventories.services import review
from inventories.staff_forms import ContactPersonForm, ExtendForm, ReturnForm
from portal.views import staff_required
from regions.models import ContactPerson

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _apply_errors(form, exc: ValidationError, field_map=None):
    """Put a service's ValidationError on the form (on the field it names, if the form has it)."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = field_map.get(name, name)
            for error in errors:
                form.add_error(target if target in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _context(round_, region, **extra):
    return {"round": round_, "region": region, **extra}


def _load(round_slug, region_slug):
    round_ = selectors.round_get_for_staff(slug=round_slug)
    region = selectors.region_get_for_staff(slug=region_slug)
    inventory = selectors.inventory_for_staff(round_=round_, region=region)
    return round_, region, inventory


def _detail_url(round_, region):
    return reverse(
        "staff:inventory", kwargs={"round_slug": round_.slug, "region_slug": region.slug}
    )


# The board -------------------------------------------------------------------------------------


@staff_required
def board(request, round_slug):
    round_ = selectors.round_get_for_staff(slug=round_slug)
    return render(
        request,
        "inventories/staff/board.html",
        {
            "round": round_,
            "rounds": list(selectors.rounds_for_staff()),
            "board": selectors.board_for_round(round_),
        },
    )


# One region's inventory ------------------------------------------------------------------------


@staff_required
def inventory_detail(request, round_slug, region_slug):
    round_, region, inventory = _load(round_slug, region_slug)
    versions = list(inventory.versions.all()) if inventory else []
    deadline = inventory.effective_deadline if inventory else round_.deadline
    contacts = list(selectors.contacts_for_region(region=region))
    return render(
        request,
        "inventories/staff/inventory.html",
        _context(
            round_,
            region,
            inventory=inventory,
            status=selectors.status_info(inventory),
            versions=versions,
            active_contacts=[c for c in contacts if c.active],
            effective_deadline=deadline,
            days_label=selectors.days_label(selectors.days_until(deadline)),
            can_extend=(inventory is None or inventory.status in Inventory.EDITABLE_STATUSES),
        ),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def inventory_accept(request, round_slug, region_slug):
    round_, region, inventory = _load(round_slug, region_slug)
    if inventory is None:
        raise Http404
    errors = []
    if request.method == "POST":
        try:
            review.inventory_accept(inventory=inventory, actor=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("Behovsinventeringen för %(region)s är godkänd.") % {"region": region.name},
            )
            return redirect(_detail_url(round_, region))
    versions = list(inventory.versions.all())
    return render(
        request,
        "inventories/staff/accept.html",
        _context(
            round_,
            region,
            inventory=inventory,
            latest=versions[-1] if versions else None,
            errors=errors,
        ),
        status=400 if errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def inventory_return(request, round_slug, region_slug):
    round_, region, inventory = _load(round_slug, region_slug)
    if inventory is None:
        raise Http404
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review.inventory_return_for_completion(
                inventory=inventory, actor=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Behovsinventeringen för %(region)s är återsänd. Regionens kontaktpersoner "
                    "får meddelandet med e-post."
                )
                % {"region": region.name},
            )
            return redirect(_detail_url(round_, region))
    versions = list(inventory.versions.all())
    return render(
        request,
        "inventories/staff/return.html",
        _context(
            round_,
            region,
            inventory=inventory,
            latest=versions[-1] if versions else None,
            form=form,
            contacts=[c for c in selectors.contacts_for_region(region=region) if c.active],
        ),
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def deadline_extend(request, round_slug, region_slug):
    round_, region, inventory = _load(round_slug, region_slug)
    initial = {}
    if inventory is not None and inventory.deadline_override:
        local = timezone.localtime(inventory.deadline_override)
        initial = {"new_date": local.date(), "new_time": local.time().replace(second=0)}
    form = ExtendForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.region_deadline_extend(
                round=round_,
                region=region,
                new_deadline=form.cleaned_data["new_deadline"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc, {"new_deadline": "new_date", "deadline": "new_date"})
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(
                request,
                _("Sista dag för %(region)s är ändrad. Regionen får besked med e-post.")
                % {"region": region.name},
            )
            return redirect(_detail_url(round_, region))
    return render(
        request,
        "inventories/staff/extend.html",
        _context(
            round_,
            region,
            inventory=inventory,
            form=form,
        ),
        status=400 if form.errors else 200,
    )


# Versions, PDFs and history --------------------------------------------------------------------


@staff_required
def version_detail(request, round_slug, region_slug, number):
    from inventories.pdf import version_pdf_context

    round_, region, inventory = _load(round_slug, region_slug)
    if inventory is None:
        raise Http404
    version = selectors.version_for_staff(inventory=inventory, number=number)
    previous = selectors.version_previous(version)
    snapshot = version.snapshot
    diff = version_diff(previous.snapshot, snapshot) if previous else None
    return render(
        request,
        "inventories/staff/version.html",
        _context(
            round_,
            region,
            inventory=inventory,
            version=version,
            previous=previous,
            document=getattr(version, "document", None),
            diff=diff,
            content=version_pdf_context(snapshot, sha256=version.sha256),
            versions=list(inventory.versions.all()),
        ),
    )


@staff_required
def audit_history(request, round_slug, region_slug):
    round_, region, inventory = _load(round_slug, region_slug)
    events = list(selectors.audit_for_inventory(round_=round_, region=region, inventory=inventory))
    return render(
        request,
        "inventories/staff/audit.html",
        _context(round_, region, inventory=inventory, events=events),
    )


# Contact persons -------------------------------------------------------------------------------


def _contact_get(region, pk) -> ContactPerson:
    try:
        return ContactPerson.objects.select_related("user", "region").get(pk=pk, region=region)
    except ContactPerson.DoesNotExist:
        raise Http404 from None


def _contacts_url(round_, region):
    return reverse("staff:contacts", kwargs={"round_slug": round_.slug, "region_slug": region.slug})


@staff_required
@require_http_methods(["GET", "POST"])
def contacts(request, round_slug, region_slug):
    """The region's contact persons, and the form to register a new one."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    region = selectors.region_get_for_staff(slug=region_slug)
    form = ContactPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = review.region_contact_register(
                region=region, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s är registrerad och får en inbjudan med e-post.")
                % {"name": person.user.full_name},
            )
            return redirect(_contacts_url(round_, region))
    return render(
        request,
        "inventories/staff/contacts.html",
        _context(
            round_,
            region,
            contacts=list(selectors.contacts_for_region(region=region)),
            form=form,
        ),
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def contact_deactivate(request, round_slug, region_slug, pk):
    round_ = selectors.round_get_for_staff(slug=round_slug)
    region = selectors.region_get_for_staff(slug=region_slug)
    person = _contact_get(region, pk)
    errors = []
    if request.method == "POST":
        try:
            review.region_contact_deactivate(contact_person=person, actor=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request, _("%(name)s är inaktiverad.") % {"name": person.user.full_name}
            )
            return redirect(_contacts_url(round_, region))
    return render(
        request,
        "inventories/staff/contact_deactivate.html",
        _context(round_, region, person=person, errors=errors),
        status=400 if errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def contact_replace(request, round_slug, region_slug, pk):
    round_ = selectors.round_get_for_staff(slug=round_slug)
    region = selectors.region_get_for_staff(slug=region_slug)
    person = _contact_get(region, pk)
    form = ContactPersonForm(request.POST or None, initial={"role": person.role})
    if request.method == "POST" and form.is_valid():
        try:
            new = review.region_contact_replace(
                contact_person=person, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(new)s ersätter %(old)s och får en inbjudan med e-post. Regionens "
                    "behovsinventering finns kvar som den är."
                )
                % {"new": new.user.full_name, "old": person.user.full_name},
            )
            return redirect(_contacts_url(round_, region))
    return render(
        request,
        "inventories/staff/contact_replace.html",
        _context(round_, region, person=person, form=form),
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["POST"])
def contact_invite(request, round_slug, region_slug, pk):
    round_ = selectors.round_get_for_staff(slug=round_slug)
    region = selectors.region_get_for_staff(slug=region_slug)
    person = _contact_get(region, pk)
    try:
        review.region_contact_invite(contact_person=person, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("En ny inbjudan skickas till %(email)s.") % {"email": person.user.email}
        )
    return redirect(_contacts_url(round_, region))


# Exports ---------------------------------------------------------------------------------------


def _export_name(round_, suffix):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"behovsinventering-{round_.slug}-{stamp}.{suffix}"


@staff_required
def export_xlsx(request, round_slug):
    """The round's workbook, built in a temporary file and streamed from it."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    target = tempfile.TemporaryFile()
    exports.write_round_workbook(round_, target)
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=_export_name(round_, "xlsx"), content_type=XLSX_TYPE
    )


@staff_required
def export_csv(request, round_slug):
    """The main sheet as CSV (UTF-8 with BOM, ``;``), streamed row by row."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    response = StreamingHttpResponse(
        exports.round_csv_lines(round_), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(round_, "csv")}"'
    return response


@staff_required
def export_pdf_zip(request, round_slug):
    """Every region's latest PDF copy of record in one ZIP, built in a temporary file."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    target = tempfile.TemporaryFile()
    exports.write_round_pdf_zip(round_, target)
    target.seek(0)
    return FileResponse(
        target,
        as_attachment=True,
        filename=f"behovsinventering-{round_.slug}-pdf.zip",
        content_type="application/zip",
    )
