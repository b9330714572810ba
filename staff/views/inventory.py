"""One region's inventory: overview, accept, return for completion, extend the deadline;
its versions with their diff, and the audit history."""

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inventories.models import Inventory
from inventories.pdf import version_pdf_context
from inventories.services import registration, review
from inventories.services.dialogue import completion_anchors
from inventories.services.integrity import version_damage
from portal.formatting import days_label, days_until
from portal.permissions import staff_required
from staff import fragments, history, selectors, services
from staff.diff import version_diff
from staff.forms import (
    ITEMS_MAX,
    ITEMS_PREFIX,
    AcceptForm,
    AssignForm,
    ExtendForm,
    NoteForm,
    RegistrationNumberForm,
    ReturnForm,
    completion_item_formset,
)
from staff.views.common import apply_errors, context, detail_url, load


@staff_required
def inventory_detail(request, round_slug, region_slug):
    round_, region, inventory = selectors.round_region_inventory_for_staff(
        round_slug=round_slug, region_slug=region_slug, versions=False, counts=False
    )
    deadline = inventory.effective_deadline if inventory else round_.deadline

    # The body is cached for every state of what it shows (staff.fragments.inventory_page_key):
    # these run only when it is rendered.
    @functools.cache
    def assignment():
        return selectors.assignment_for(round_=round_, region=region)

    return render(
        request,
        "staff/inventory.html",
        context(
            round_,
            region,
            page_key=fragments.inventory_page_key(round_, region, inventory),
            inventory=inventory,
            dialogue=functools.cache(
                lambda: selectors.dialogue_counts(inventory) if inventory else None
            ),
            status=selectors.status_info(inventory),
            versions=functools.cache(
                lambda: list(selectors.versions_for_staff(inventory)) if inventory else []
            ),
            active_contacts=functools.cache(
                lambda: selectors.active_contacts_for_region(region=region)
            ),
            effective_deadline=deadline,
            days_label=days_label(days_until(deadline)),
            can_extend=(inventory is None or inventory.status in Inventory.EDITABLE_STATUSES),
            notes=functools.cache(lambda: selectors.internal_notes(inventory)),
            note_form=NoteForm,
            assignment=assignment,
            assign_form=functools.cache(
                lambda: AssignForm(
                    initial={"handlaggare": assignment().handlaggare if assignment() else None}
                )
            ),
        ),
    )


@staff_required
@require_http_methods(["POST"])
def note_add(request, round_slug, region_slug):
    round_, region, inventory = load(round_slug, region_slug)
    if inventory is None:
        raise Http404
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.inventory_note_add(
                inventory=inventory, actor=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("Anteckningen är sparad."))
    return redirect(detail_url(round_, region) + "#notes-title")


@staff_required
@require_http_methods(["POST"])
def region_assign(request, round_slug, region_slug):
    round_, region, _inventory = load(round_slug, region_slug)
    form = AssignForm(request.POST)
    if form.is_valid():
        handlaggare = form.cleaned_data["handlaggare"]
        services.region_assign(
            round=round_, region=region, actor=request.user, handlaggare=handlaggare
        )
        if handlaggare is None:
            messages.success(request, _("Regionen har ingen handläggare i omgången."))
        else:
            messages.success(
                request,
                _("%(name)s handlägger %(region)s.")
                % {"name": handlaggare.full_name or handlaggare.email, "region": region.name},
            )
    else:
        messages.error(request, _("Välj en handläggare."))
    return redirect(detail_url(round_, region))


@staff_required
@require_http_methods(["GET", "POST"])
def inventory_accept(request, round_slug, region_slug):
    round_, region, inventory = load(round_slug, region_slug)
    if inventory is None:
        raise Http404
    # The message is optional: an empty POST is a decision too.
    form = AcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            review.inventory_accept(
                inventory=inventory, actor=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Behovsinventeringen för %(region)s är godkänd.") % {"region": region.name},
            )
            return redirect(detail_url(round_, region))
    versions = list(inventory.versions.all())
    return render(
        request,
        "staff/accept.html",
        context(
            round_,
            region,
            inventory=inventory,
            latest=versions[-1] if versions else None,
            form=form,
            errors=form.non_field_errors(),
            contacts=[c for c in selectors.contacts_for_region(region=region) if c.active],
        ),
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def registration_number_set(request, round_slug, region_slug):
    round_, region, inventory = load(round_slug, region_slug)
    if inventory is None:
        raise Http404
    form = RegistrationNumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration.inventory_registration_number_set(
                inventory=inventory, actor=request.user, number=form.cleaned_data["number"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Diarienumret för %(region)s är sparat.") % {"region": region.name},
            )
            return redirect(detail_url(round_, region))
    return render(
        request,
        "staff/registration_number.html",
        context(round_, region, inventory=inventory, form=form),
        status=400 if form.errors else 200,
    )


def _return_forms(request, inventory):
    """The return form and its items: as posted (one more blank item on "Lägg till punkt")."""
    anchors = completion_anchors(inventory)
    if request.method != "POST":
        formset_class = completion_item_formset(extra=3)
        return ReturnForm(), formset_class(prefix=ITEMS_PREFIX, form_kwargs={"anchors": anchors})
    data = request.POST
    if f"{ITEMS_PREFIX}-TOTAL_FORMS" not in data:  # a message alone (no item rows posted)
        data = data.copy()
        data.update({f"{ITEMS_PREFIX}-TOTAL_FORMS": "0", f"{ITEMS_PREFIX}-INITIAL_FORMS": "0"})
    formset = completion_item_formset(extra=0)(
        data, prefix=ITEMS_PREFIX, form_kwargs={"anchors": anchors}
    )
    if "add_item" in request.POST:
        # Everything typed comes back unchecked (nothing is sent yet), with one more item.
        try:
            total = min(int(data.get(f"{ITEMS_PREFIX}-TOTAL_FORMS", 0)), ITEMS_MAX)
        except ValueError:
            total = 0
        rows = [
            {
                "anchor": data.get(f"{ITEMS_PREFIX}-{index}-anchor", ""),
                "text": data.get(f"{ITEMS_PREFIX}-{index}-text", ""),
            }
            for index in range(max(total, 0))
        ]
        formset = completion_item_formset(extra=1 if len(rows) < ITEMS_MAX else 0)(
            initial=rows, prefix=ITEMS_PREFIX, form_kwargs={"anchors": anchors}
        )
        form = ReturnForm(initial={k: data.get(k, "") for k in ("message", "due_date")})
        if len(formset.forms) > len(rows):
            formset.forms[len(rows)].fields["anchor"].widget.attrs["autofocus"] = True
        return form, formset
    return ReturnForm(request.POST), formset


@staff_required
@require_http_methods(["GET", "POST"])
def inventory_return(request, round_slug, region_slug):
    round_, region, inventory = load(round_slug, region_slug)
    if inventory is None:
        raise Http404
    form, formset = _return_forms(request, inventory)
    if request.method == "POST" and form.is_bound and form.is_valid() and formset.is_valid():
        try:
            services.inventory_completion_request_send(
                inventory=inventory,
                actor=request.user,
                message=form.cleaned_data["message"],
                items=formset.items(),
                due_at=form.cleaned_data["due_at"],
            )
        except ValidationError as exc:
            apply_errors(form, exc, {"due_at": "due_date", "new_deadline": "due_date"})
        else:
            messages.success(
                request,
                _(
                    "Behovsinventeringen för %(region)s är återsänd. Regionens kontaktpersoner "
                    "får meddelandet med e-post."
                )
                % {"region": region.name},
            )
            return redirect(detail_url(round_, region))
    versions = list(inventory.versions.all())
    bound = form.is_bound
    return render(
        request,
        "staff/return.html",
        context(
            round_,
            region,
            inventory=inventory,
            latest=versions[-1] if versions else None,
            form=form,
            formset=formset,
            item_errors=formset.non_form_errors() if formset.is_bound else [],
            contacts=[c for c in selectors.contacts_for_region(region=region) if c.active],
        ),
        status=400 if bound and (form.errors or formset.total_error_count()) else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def deadline_extend(request, round_slug, region_slug):
    round_, region, inventory = load(round_slug, region_slug)
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
            apply_errors(form, exc, {"new_deadline": "new_date", "deadline": "new_date"})
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(
                request,
                _("Sista dag för %(region)s är ändrad. Regionen får besked med e-post.")
                % {"region": region.name},
            )
            return redirect(detail_url(round_, region))
    return render(
        request,
        "staff/extend.html",
        context(
            round_,
            region,
            inventory=inventory,
            form=form,
        ),
        status=400 if form.errors else 200,
    )


@staff_required
def version_detail(request, round_slug, region_slug, number):
    inventory = selectors.inventory_with_versions_for_staff(
        round_slug=round_slug, region_slug=region_slug
    )
    round_, region = inventory.round, inventory.region
    version, previous = selectors.version_in(inventory, number)
    damage = version_damage(version=version)

    # Versions never change: the template renders the page's body once per state of what is
    # around the version ({% cachedhtml %}: its PDF copy, the other versions, the damage found)
    # and the diff and the content once per pair of versions and language ({% cachedparts %});
    # these run only when they are rendered.
    @functools.cache
    def diff():
        return version_diff(previous.snapshot, version.snapshot) if previous else None

    @functools.cache
    def content():
        return version_pdf_context(version.snapshot, sha256=version.sha256)

    document = getattr(version, "document", None)
    versions = list(inventory.versions.all())
    return render(
        request,
        "staff/version.html",
        context(
            round_,
            region,
            page_key=fragments.version_page_key(
                round_=round_,
                region=region,
                version=version,
                previous=previous,
                versions=versions,
                document=document,
                damage=damage,
            ),
            inventory=inventory,
            version=version,
            previous=previous,
            document=document,
            damage=damage,
            diff=diff,
            content=content,
            versions=versions,
        ),
    )


@staff_required
def audit_history(request, round_slug, region_slug):
    round_, region, inventory = load(round_slug, region_slug)
    events = list(selectors.audit_for_inventory(round_=round_, region=region, inventory=inventory))
    selectors.audit_attach_return_notices(events)
    kind = request.GET.get("typ", "")
    if history.kind_actions(kind) is None:
        kind = ""
    return render(
        request,
        "staff/audit.html",
        context(
            round_,
            region,
            inventory=inventory,
            events=history.history_entries(events, kind=kind),
            kinds=[(value, label) for value, label, _actions in history.KINDS],
            kind=kind,
        ),
    )
