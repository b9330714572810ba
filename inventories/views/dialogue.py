"""The region's dialogue with Tillväxtverket: what is asked of it, and the thread."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from inventories.completion import item_url
from inventories.forms.dialogue import ThreadMessageForm
from inventories.selectors import thread_of
from inventories.services.dialogue import inventory_message_post
from inventories.views.common import (
    apply_service_errors,
    load_page,
    not_started,
    render_page,
    require_contact,
)
from portal.permissions import second_factor_required


@second_factor_required
def dialogue(request, region_slug, round_slug):
    """Every completion item (open first in each request) with its replies, the thread, and
    the form to write to the handläggare (about an open item or in general)."""
    page = load_page(request, region_slug, round_slug, open_inventory=False)
    if page.inventory is None:
        return not_started(page)
    items, thread = thread_of(inventory=page.inventory)
    open_items = [item for item in items if item.is_open]
    data = request.POST if request.method == "POST" else None
    form = ThreadMessageForm(data, items=open_items, initial={"item": request.GET.get("punkt", "")})
    status = 200
    if request.method == "POST":
        require_contact(page)
        if form.is_valid():
            try:
                message = inventory_message_post(
                    inventory=page.inventory,
                    author=request.user,
                    text=form.cleaned_data["text"],
                    item=form.chosen_item(),
                )
            except ValidationError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Meddelandet är skickat till Tillväxtverket."))
                return redirect(page.url("dialogue") + f"#{message.anchor_id}")
        status = 400
    for item in items:
        item.where_url = item_url(item, page.inventory)
    return render_page(
        page,
        "inventories/dialogue.html",
        {
            "form": form,
            "items": items,
            "general": [message for message in thread if message.item_id is None],
            "can_write": page.is_contact,
        },
        step="dialogue",
        title=_("Dialog med Tillväxtverket"),
        status=status,
        error_items=form.error_items(),
    )
