"""A region's contact persons: register, deactivate, replace, invite again."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.permissions import staff_required
from regions.models import ContactPerson
from staff import selectors, services
from staff.forms import ContactPersonForm
from staff.views.common import apply_errors, context


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
            person = services.region_contact_register(
                region=region, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s är registrerad och får en inbjudan med e-post.")
                % {"name": person.user.full_name},
            )
            return redirect(_contacts_url(round_, region))
    return render(
        request,
        "staff/contacts.html",
        context(
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
            services.region_contact_deactivate(contact_person=person, actor=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request, _("%(name)s är inaktiverad.") % {"name": person.user.full_name}
            )
            return redirect(_contacts_url(round_, region))
    return render(
        request,
        "staff/contact_deactivate.html",
        context(round_, region, person=person, errors=errors),
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
            new = services.region_contact_replace(
                contact_person=person, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
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
        "staff/contact_replace.html",
        context(round_, region, person=person, form=form),
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["POST"])
def contact_invite(request, round_slug, region_slug, pk):
    round_ = selectors.round_get_for_staff(slug=round_slug)
    region = selectors.region_get_for_staff(slug=region_slug)
    person = _contact_get(region, pk)
    try:
        services.region_contact_invite(contact_person=person, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("En ny inbjudan skickas till %(email)s.") % {"email": person.user.email}
        )
    return redirect(_contacts_url(round_, region))
