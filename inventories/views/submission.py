"""The review page (the whole inventory and its checklist), submitting, and the receipt."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from inventories import display, services
from inventories.errors import InventoryLocked
from inventories.forms import SubmitForm
from inventories.guidance import DEFAULT_NEXT_STEPS, paragraphs
from inventories.selectors import versions_of
from inventories.views.common import (
    load_existing_page,
    load_page,
    missing_links,
    not_started,
    render_page,
    require_contact,
)
from portal.permissions import second_factor_required

# --- Granska, skicka in, kvitto ----------------------------------------------------------------


def _review_response(page, form, *, status=200, refusal=""):
    """The whole inventory is rendered once per revision ({% cachedparts %} in the template):
    the parts are loaded only when it is not cached."""
    return render_page(
        page,
        "inventories/review.html",
        {
            "form": form,
            "refusal": refusal,
            "missing": missing_links(page),
            "open_items": page.open_items.links(page.inventory),
            "part1": page.lazy(lambda page: display.part1(page.parts())),
            "interventions": page.lazy(lambda page: display.interventions(page.parts())),
            "total_cost": page.lazy(lambda page: display.total_cost(page.parts())),
            "year_totals": page.lazy(lambda page: display.year_totals(page.parts())),
            "part3": page.lazy(lambda page: display.part3(page.inventory)),
            "goals": page.lazy(lambda page: display.goals(page.parts())),
            "versions": versions_of(inventory=page.inventory),
        },
        step="review",
        title=_("Granska och skicka in"),
        status=status,
        error_items=form.error_items(),
    )


@second_factor_required
def review(request, region_slug, round_slug):
    page = load_page(request, region_slug, round_slug, parts=False, states=())
    if page.inventory is None:
        return not_started(page)
    return _review_response(page, SubmitForm())


@second_factor_required
def submit(request, region_slug, round_slug):
    page = load_existing_page(request, region_slug, round_slug, parts=False)
    if request.method != "POST":
        return redirect(page.url("review"))
    require_contact(page)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        return _review_response(page, form, status=400)
    try:
        version = services.inventory_submit(inventory=page.inventory, user=request.user)
    except InventoryLocked as exc:
        page.locked_reason = exc.messages[0]
        return _review_response(page, form, status=409, refusal=exc.messages[0])
    except ValidationError as exc:
        page.refresh()
        if getattr(exc, "code", None) == "attachments_checking":
            return _review_response(page, form, status=400, refusal=exc.messages[0])
        refusal = _(
            "Behovsinventeringen kunde inte skickas in eftersom uppgifter saknas. Det som "
            "saknas visas i listan nedan; inget av det ni har sparat har ändrats."
        )
        return _review_response(page, form, status=400, refusal=refusal)
    messages.success(
        request,
        _("Tack! Version %(number)s av behovsinventeringen är inskickad.")
        % {"number": version.number},
    )
    return redirect(page.url("receipt", number=version.number))


@second_factor_required
def receipt(request, region_slug, round_slug, number):
    page = load_existing_page(request, region_slug, round_slug, parts=False, states=())
    # Every version in one query: the one shown, and whether a later one exists.
    versions = versions_of(inventory=page.inventory)
    version = next((v for v in versions if v.number == number), None)
    if version is None:
        raise Http404
    return render_page(
        page,
        "inventories/receipt.html",
        {
            "version": version,
            "attachments": version.snapshot.get("attachments") or [],
            "is_latest": version.number == len(versions),
            "hide_locked": True,
            "next_steps": paragraphs(page.round.next_steps) or [DEFAULT_NEXT_STEPS],
        },
        step="review",
        title=_("Kvitto – version %(number)s") % {"number": version.number},
    )
