"""One row of a repeatable list: add, edit, delete (with a confirmation page) and move an
intervention (Del 2) or a goal (Del 3)."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from inventories import display, services
from inventories.errors import EditConflict, InventoryLocked
from inventories.forms import GoalEditForm, GoalForm, InterventionEditForm, InterventionForm
from inventories.selectors import last_change_actor
from inventories.views.common import (
    apply_conflict_choices,
    apply_service_errors,
    conflict_context,
    conflict_fields,
    freeze,
    load_existing_page,
    load_page,
    not_started,
    render_page,
    require_contact,
    saved_values,
    with_revision,
)
from portal.permissions import second_factor_required


@dataclass(frozen=True)
class ItemKind:
    """An intervention (Del 2) or a goal (Del 3): the pages for one row of a repeatable list."""

    key: str
    part: int
    list_step: str
    anchor: str
    form_class: type
    edit_form_class: type

    def find(self, page, pk):
        items = display.items_of(page.inventory, self.key)
        for item in items:
            if item.pk == pk:
                return item
        return None

    def form_kwargs(self, page):
        if self.key == "goal":
            return {"interventions": list(page.inventory.interventions.all()), "round": page.round}
        return {"round": page.round}

    def save(self, page, form, item):
        data, user = form.service_data(), page.user
        if self.key == "intervention":
            years = form.years_data()
            if item is None:
                return services.intervention_create(
                    inventory=page.inventory, user=user, data=data, years=years
                )
            return services.intervention_update(
                intervention=item,
                user=user,
                data=data,
                years=years,
                revision=form.cleaned_data["revision"],
            )
        chosen = form.chosen_interventions()
        if item is None:
            return services.goal_create(
                inventory=page.inventory, user=user, data=data, interventions=chosen
            )
        return services.goal_update(
            goal=item,
            user=user,
            data=data,
            interventions=chosen,
            revision=form.cleaned_data["revision"],
        )

    def delete(self, page, item, revision):
        if self.key == "intervention":
            services.intervention_delete(intervention=item, user=page.user, revision=revision)
        else:
            services.goal_delete(goal=item, user=page.user, revision=revision)

    def move(self, page, item, direction):
        if self.key == "intervention":
            return services.intervention_move(
                intervention=item, user=page.user, direction=direction
            )
        return services.goal_move(goal=item, user=page.user, direction=direction)

    def titles(self):
        if self.key == "intervention":
            return {
                "add": _("Lägg till insats"),
                "edit": _("Ändra insats"),
                "delete": _("Ta bort insats"),
                "saved": _("Insatsen ”%(name)s” är sparad."),
                "deleted": _("Insatsen ”%(name)s” är borttagen."),
                "moved": _("Insatsen ”%(name)s” är flyttad."),
                "gone": _(
                    "Insatsen har tagits bort av någon annan medan du arbetade. Det du skrev "
                    "visas nedan och är inte sparat. Spara det som en ny insats om du vill "
                    "behålla det."
                ),
            }
        return {
            "add": _("Lägg till mål"),
            "edit": _("Ändra mål"),
            "delete": _("Ta bort mål"),
            "saved": _("Målet ”%(name)s” är sparat."),
            "deleted": _("Målet ”%(name)s” är borttaget."),
            "moved": _("Målet ”%(name)s” är flyttat."),
            "gone": _(
                "Målet har tagits bort av någon annan medan du arbetade. Det du skrev visas "
                "nedan och är inte sparat. Spara det som ett nytt mål om du vill behålla det."
            ),
        }

    def name_of(self, item):
        text = item.title if self.key == "intervention" else item.goal
        return text if len(text) <= 80 else text[:79] + "…"

    def list_url(self, page, item=None):
        url = page.url(self.list_step)
        return f"{url}#{self.anchor}-{item.pk}" if item is not None else url


INTERVENTION = ItemKind(
    "intervention", 2, "part2", "insats", InterventionForm, InterventionEditForm
)
GOAL = ItemKind("goal", 3, "part3", "mal", GoalForm, GoalEditForm)


def _item_form(request, page, kind, pk=None):
    """Add (``pk`` None) or edit one intervention or goal."""
    titles = kind.titles()
    item = kind.find(page, pk) if pk is not None else None
    gone = pk is not None and item is None
    if gone and not (request.method == "POST" and page.editable):
        raise Http404
    form_class = kind.edit_form_class if item is not None else kind.form_class
    form_kwargs = kind.form_kwargs(page)
    status, conflict, notice = 200, None, ""
    if request.method == "POST":
        require_contact(page)
        post = request.POST
        if item is not None:
            post = apply_conflict_choices(post, saved_values(form_class.initial_for(item)))
        form = form_class(post, **form_kwargs)
        if gone:
            status, notice = 409, titles["gone"]
            form.is_valid()
        elif page.locked_reason:
            status = 409
            freeze(form)
        elif form.is_valid():
            try:
                saved = kind.save(page, form, item)
            except EditConflict as exc:
                page.refresh()
                fresh = kind.find(page, item.pk)
                status = 409
                conflict = conflict_context(
                    exc,
                    saved_by=last_change_actor(inventory=page.inventory, key=kind.key, pk=item.pk),
                    revision=fresh.revision,
                )
                conflict["saved"] = display.item(page.inventory, kind.key, fresh)
                form_kwargs = kind.form_kwargs(page)
                form = form_class(with_revision(post, fresh.revision), **form_kwargs)
                form.is_valid()
                conflict["fields"] = conflict_fields(
                    form, saved_values(form_class.initial_for(fresh))
                )
            except InventoryLocked as exc:
                status, page.locked_reason = 409, exc.messages[0]
                freeze(form)
            except ValidationError as exc:
                status = 400
                apply_service_errors(exc, form)
            else:
                messages.success(request, titles["saved"] % {"name": kind.name_of(saved)})
                return redirect(kind.list_url(page, saved))
        else:
            status = 400
    else:
        initial = form_class.initial_for(item) if item is not None else None
        review = (
            page.review_errors(part=kind.part, **{f"{kind.key}_id": item.pk})
            if item is not None
            else {}
        )
        form = form_class(initial=initial, review_errors=review, **form_kwargs)
    if gone:
        action = page.url(f"{kind.key}_add")
    elif item is not None:
        action = page.url(f"{kind.key}_edit", pk=item.pk)
    else:
        action = page.url(f"{kind.key}_add")
    return render_page(
        page,
        f"inventories/{kind.key}_form.html",
        {
            "form": form,
            "item": item,
            "kind": kind,
            "action": action,
            "conflict": conflict,
            "notice": notice,
            "show_form": page.editable or request.method == "POST",
            "shown": display.item(page.inventory, kind.key, item) if item is not None else None,
            "back_url": kind.list_url(page, item),
            "years_messages": [form.review_errors["years"]]
            if "years" in form.review_errors and not form.frozen
            else [],
            "missing": _item_missing(page, kind, item),
            "completion_notices": page.open_items.notices(
                page.open_items.for_object(kind.key, item.pk), page.inventory
            )
            if item is not None
            else [],
        },
        step=kind.list_step,
        title=titles["edit"] if item is not None else titles["add"],
        status=status,
        error_items=form.error_items(),
    )


def _item_missing(page, kind, item) -> list[dict]:
    """In review mode: what is still missing in this intervention or goal, said once."""
    if not page.review or item is None:
        return []
    return [
        {"message": missing.message, "url": f"#id_{missing.field}" if missing.field else ""}
        for missing in page.completeness.items
        if getattr(missing, f"{kind.key}_id") == item.pk
    ]


def _item_delete(request, page, kind, pk):
    titles = kind.titles()
    item = kind.find(page, pk)
    if item is None:
        raise Http404
    status, conflict = 200, None
    if request.method == "POST":
        require_contact(page)
        if not page.locked_reason:
            name = kind.name_of(item)
            try:
                # The revision the confirmation page showed; none (an old page) never matches.
                revision = int(request.POST.get("revision", ""))
            except ValueError:
                revision = -1
            try:
                kind.delete(page, item, revision)
            except InventoryLocked as exc:
                page.locked_reason = exc.messages[0]
            except EditConflict as exc:
                page.refresh()
                item = kind.find(page, pk)
                conflict = conflict_context(
                    exc,
                    saved_by=last_change_actor(inventory=page.inventory, key=kind.key, pk=pk),
                    revision=item.revision,
                )
                conflict["delete"] = True
                conflict["seen_revision"] = revision if revision >= 0 else None
            else:
                messages.success(request, titles["deleted"] % {"name": name})
                return redirect(kind.list_url(page))
        status = 409
    return render_page(
        page,
        "inventories/confirm_delete.html",
        {
            "kind": kind,
            "item": item,
            "conflict": conflict,
            "shown": display.item(page.inventory, kind.key, item),
            "back_url": kind.list_url(page, item),
            "linked_goals": display.goals_linked_to(page.inventory, item)
            if kind.key == "intervention"
            else [],
        },
        step=kind.list_step,
        title=titles["delete"],
        status=status,
    )


def _item_move(request, page, kind, pk):
    item = kind.find(page, pk)
    if item is None:
        raise Http404
    if request.method != "POST":
        return redirect(kind.list_url(page, item))
    require_contact(page)
    try:
        moved = kind.move(page, item, request.POST.get("direction", ""))
    except InventoryLocked as exc:
        messages.error(request, exc.messages[0])
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if moved:
            messages.success(request, kind.titles()["moved"] % {"name": kind.name_of(item)})
    return redirect(kind.list_url(page, item))


@second_factor_required
def intervention_add(request, region_slug, round_slug):
    page = load_page(request, region_slug, round_slug)
    if page.inventory is None:
        return not_started(page)
    return _item_form(request, page, INTERVENTION)


@second_factor_required
def intervention_edit(request, region_slug, round_slug, pk):
    page = load_existing_page(request, region_slug, round_slug)
    return _item_form(request, page, INTERVENTION, pk)


@second_factor_required
def intervention_delete(request, region_slug, round_slug, pk):
    page = load_existing_page(request, region_slug, round_slug)
    return _item_delete(request, page, INTERVENTION, pk)


@second_factor_required
def intervention_move(request, region_slug, round_slug, pk):
    page = load_existing_page(request, region_slug, round_slug)
    return _item_move(request, page, INTERVENTION, pk)


@second_factor_required
def goal_add(request, region_slug, round_slug):
    page = load_page(request, region_slug, round_slug)
    if page.inventory is None:
        return not_started(page)
    return _item_form(request, page, GOAL)


@second_factor_required
def goal_edit(request, region_slug, round_slug, pk):
    page = load_existing_page(request, region_slug, round_slug)
    return _item_form(request, page, GOAL, pk)


@second_factor_required
def goal_delete(request, region_slug, round_slug, pk):
    page = load_existing_page(request, region_slug, round_slug)
    return _item_delete(request, page, GOAL, pk)


@second_factor_required
def goal_move(request, region_slug, round_slug, pk):
    page = load_existing_page(request, region_slug, round_slug)
    return _item_move(request, page, GOAL, pk)
