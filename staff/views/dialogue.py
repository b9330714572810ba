"""The dialogue with a region as staff see it: completion items, replies, messages; answer,
mark items resolved or open again."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inventories.forms.dialogue import ThreadMessageForm
from inventories.models import CompletionItem
from inventories.selectors import thread_of
from inventories.services.dialogue import (
    completion_item_reopen,
    completion_item_resolve,
    inventory_message_post,
)
from portal.permissions import staff_required
from staff.views.common import apply_errors, context, load


def dialogue_url(round_, region) -> str:
    return reverse("staff:dialogue", kwargs={"round_slug": round_.slug, "region_slug": region.slug})


@staff_required
@require_http_methods(["GET", "POST"])
def dialogue(request, round_slug, region_slug):
    round_, region, inventory = load(round_slug, region_slug)
    if inventory is None:
        raise Http404
    items, thread = thread_of(inventory=inventory)
    data = request.POST if request.method == "POST" else None
    form = ThreadMessageForm(
        data,
        items=[item for item in items if item.is_open],
        initial={"item": request.GET.get("punkt", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            message = inventory_message_post(
                inventory=inventory,
                author=request.user,
                text=form.cleaned_data["text"],
                item=form.chosen_item(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Meddelandet är skickat. Regionens kontaktpersoner får det med e-post."),
            )
            return redirect(dialogue_url(round_, region) + f"#{message.anchor_id}")
    return render(
        request,
        "staff/dialogue.html",
        context(
            round_,
            region,
            inventory=inventory,
            items=items,
            general=[message for message in thread if message.item_id is None],
            form=form,
        ),
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["POST"])
def item_status(request, round_slug, region_slug):
    """Mark one of the inventory's items resolved (``status=resolved``) or open again."""
    round_, region, inventory = load(round_slug, region_slug)
    if inventory is None:
        raise Http404
    pk = request.POST.get("item", "")
    # ASCII digits within a database integer: anything else is no item (404), never a 500.
    item = (
        CompletionItem.objects.filter(inventory=inventory, pk=int(pk)).first()
        if pk.isascii() and pk.isdigit() and int(pk) < 2**31
        else None
    )
    if item is None:
        raise Http404
    if request.POST.get("status") == "open":
        completion_item_reopen(item=item, actor=request.user)
        messages.success(request, _("Punkten är öppen igen: %(label)s") % {"label": item.label})
    else:
        completion_item_resolve(item=item, actor=request.user)
        messages.success(request, _("Punkten är åtgärdad: %(label)s") % {"label": item.label})
    return redirect(dialogue_url(round_, region) + f"#{item.anchor_id}")
