"""Del 1 – Nuläge, Del 2 – Insatser (the list) and Del 3 – Börläge, mål och effekter."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from inventories import display, services
from inventories.completeness import PART_TITLES
from inventories.errors import EditConflict, InventoryLocked
from inventories.forms import (
    BUDGET_MAX_ROWS,
    BUDGET_PREFIX,
    BudgetFormSet,
    CurrentStateForm,
    TargetStateForm,
    budget_formset_class,
)
from inventories.models import CurrentState, TargetState
from inventories.selectors import budget_lines_load
from inventories.views.common import (
    after_save_url,
    apply_conflict_choices,
    apply_service_errors,
    conflict_context,
    conflict_fields,
    freeze,
    load_page,
    missing_links,
    not_started,
    render_page,
    require_contact,
    saved_values,
    with_missing,
    with_notices,
    with_revision,
)
from portal.permissions import second_factor_required


def _saved_texts(state, names) -> dict:
    return saved_values({name: getattr(state, name) for name in names})


# --- Del 1 – Nuläge ---------------------------------------------------------------------------


def _part1_add_row(post):
    """Everything typed, unsaved, with one more blank budget row."""
    form = CurrentStateForm(
        initial={name: post.get(name, "") for name in (*CurrentState.TEXT_FIELDS, "revision")}
    )
    try:
        total = min(int(post.get(f"{BUDGET_PREFIX}-TOTAL_FORMS", 0)), BUDGET_MAX_ROWS)
    except ValueError:
        total = 0
    rows, blank = [], 0
    for index in range(max(total, 0)):
        row = {
            "description": post.get(f"{BUDGET_PREFIX}-{index}-description", ""),
            "amount": post.get(f"{BUDGET_PREFIX}-{index}-amount", ""),
            "spent": post.get(f"{BUDGET_PREFIX}-{index}-spent", ""),
            "DELETE": bool(post.get(f"{BUDGET_PREFIX}-{index}-DELETE")),
        }
        if any(row[key].strip() for key in ("description", "amount", "spent")) or row["DELETE"]:
            rows.append(row)
        else:
            blank += 1
    formset = budget_formset_class(extra=blank + 1)(initial=rows, prefix=BUDGET_PREFIX)
    if len(formset.forms) > len(rows):
        formset.forms[len(rows)].fields["description"].widget.attrs["autofocus"] = True
    return form, formset


@second_factor_required
def part1(request, region_slug, round_slug):
    page = load_page(request, region_slug, round_slug, parts=False, states=("current_state",))
    if page.inventory is None:
        return not_started(page)
    status, conflict, budget_errors, added_row = 200, None, [], False
    review = page.review_errors(part=1)
    review_budget = review.pop("budget", None)
    if request.method == "POST":
        require_contact(page)
        post = apply_conflict_choices(
            request.POST, _saved_texts(page.inventory.current_state, CurrentState.TEXT_FIELDS)
        )
        form = CurrentStateForm(post)
        formset = BudgetFormSet(post, prefix=BUDGET_PREFIX)
        if "add_row" in request.POST and page.editable:
            form, formset = _part1_add_row(request.POST)
            added_row = True
        elif page.locked_reason:
            status = 409
            freeze(form, *formset.forms)
        elif form.is_valid() and formset.is_valid():
            try:
                services.current_state_save(
                    inventory=page.inventory,
                    user=request.user,
                    data=form.text_data(),
                    budget_lines=formset.lines(),
                    revision=form.cleaned_data["revision"],
                )
            except EditConflict as exc:
                page.refresh()
                status = 409
                state = page.inventory.current_state
                conflict = conflict_context(exc, revision=state.revision)
                form = CurrentStateForm(with_revision(post, conflict["revision"]))
                form.is_valid()
                conflict["fields"] = conflict_fields(
                    form, _saved_texts(state, CurrentState.TEXT_FIELDS)
                )
            except InventoryLocked as exc:
                status, page.locked_reason = 409, exc.messages[0]
                freeze(form, *formset.forms)
            except ValidationError as exc:
                status = 400
                apply_service_errors(exc, form, budget_errors=budget_errors)
            else:
                messages.success(request, _("Del 1 är sparad."))
                return redirect(after_save_url(page, "part1", "part2"))
        else:
            status = 400
            budget_errors.extend(formset.non_form_errors())
    else:
        state = page.inventory.current_state
        form = CurrentStateForm(
            initial={name: getattr(state, name) for name in CurrentState.TEXT_FIELDS}
            | {"revision": state.revision},
            review_errors=review,
        )
        # Built only when the cached form ({% cachedparts %}) is missing: no query otherwise.
        formset = page.lazy(
            lambda page: BudgetFormSet(
                initial=[
                    {"description": line.description, "amount": line.amount, "spent": line.spent}
                    for line in budget_lines_load(page.inventory).budget_lines.all()
                ],
                prefix=BUDGET_PREFIX,
            )
        )
    error_items = []
    if not added_row:
        error_items = form.error_items() + [
            {"anchor": "id_budget", "label": _("Budget"), "message": str(message)}
            for message in budget_errors
        ]
        if request.method == "POST":
            error_items += formset.error_items()
    return render_page(
        page,
        "inventories/part1.html",
        {
            "form": form,
            "formset": formset,
            "budget_errors": budget_errors,
            "budget_messages": budget_errors
            + ([review_budget] if review_budget and request.method != "POST" else []),
            "conflict": conflict,
            "missing": missing_links(page, 1) if page.review else [],
            "added_row": added_row,
            "show_form": page.editable or request.method == "POST",
            # The form as saved (a GET) is the same for everyone who may edit this revision.
            "form_cache": "part1-form" if request.method != "POST" else None,
            "part1": page.lazy(lambda page: display.part1(budget_lines_load(page.inventory))),
        },
        step="part1",
        title=PART_TITLES[1],
        status=status,
        error_items=error_items,
    )


# --- Del 3 – Börläge, mål och effekter --------------------------------------------------------


def _part3_next(page):
    """Where a saved Del 3 goes: the goal the writer asked for, or as after any save.

    "Lägg till mål" and "Ändra" on the goals submit the texts above first, so nothing typed
    is left behind."""
    post = page.request.POST
    if "add_goal" in post:
        return page.url("goal_add")
    goal_id = post.get("edit_goal", "")
    # ASCII digits only: str.isdigit() also takes e.g. "²", which int() refuses.
    if goal_id.isascii() and goal_id.isdigit():
        pk = int(goal_id)
        if any(goal.pk == pk for goal in page.inventory.goals.all()):
            missing = any(item.goal_id == pk for item in page.completeness.items)
            return page.url("goal_edit", pk=pk) + ("?granska=1" if missing else "")
    return after_save_url(page, "part3", "review")


@second_factor_required
def part3(request, region_slug, round_slug):
    page = load_page(request, region_slug, round_slug, parts=False, states=("target_state",))
    if page.inventory is None:
        return not_started(page)
    status, conflict = 200, None
    if request.method == "POST":
        require_contact(page)
        post = apply_conflict_choices(
            request.POST, _saved_texts(page.inventory.target_state, TargetState.TEXT_FIELDS)
        )
        form = TargetStateForm(post)
        if page.locked_reason:
            status = 409
            freeze(form)
        elif form.is_valid():
            try:
                services.target_state_save(
                    inventory=page.inventory,
                    user=request.user,
                    data=form.text_data(),
                    revision=form.cleaned_data["revision"],
                )
            except EditConflict as exc:
                page.refresh()
                status = 409
                state = page.inventory.target_state
                conflict = conflict_context(exc, revision=state.revision)
                form = TargetStateForm(with_revision(post, conflict["revision"]))
                form.is_valid()
                conflict["fields"] = conflict_fields(
                    form, _saved_texts(state, TargetState.TEXT_FIELDS)
                )
            except InventoryLocked as exc:
                status, page.locked_reason = 409, exc.messages[0]
                freeze(form)
            except ValidationError as exc:
                status = 400
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Del 3 är sparad."))
                return redirect(_part3_next(page))
        else:
            status = 400
    else:
        state = page.inventory.target_state
        form = TargetStateForm(
            initial={name: getattr(state, name) for name in TargetState.TEXT_FIELDS}
            | {"revision": state.revision},
            review_errors=page.review_errors(part=3),
        )
    return render_page(
        page,
        "inventories/part3.html",
        {
            "form": form,
            "conflict": conflict,
            "show_form": page.editable or request.method == "POST",
            "part3": display.part3(page.inventory),
            "goals": page.lazy(
                lambda page: with_notices(
                    page, with_missing(page, display.goals(page.parts()), "goal"), "goal"
                )
            ),
            "missing": missing_links(page, 3) if page.review else [],
        },
        step="part3",
        title=PART_TITLES[3],
        status=status,
        error_items=form.error_items(),
    )


# --- Del 2 – Insatser -------------------------------------------------------------------------


@second_factor_required
def part2(request, region_slug, round_slug):
    """The list of interventions: rendered once per revision ({% cachedparts %} in the
    template), so a cached list costs no queries for the interventions."""
    page = load_page(request, region_slug, round_slug, parts=False, states=())
    if page.inventory is None:
        return not_started(page)
    return render_page(
        page,
        "inventories/part2.html",
        {
            "interventions": page.lazy(
                lambda page: with_notices(
                    page,
                    with_missing(page, display.interventions(page.parts()), "intervention"),
                    "intervention",
                )
            ),
            "total_cost": page.lazy(lambda page: display.total_cost(page.parts())),
            "year_totals": page.lazy(lambda page: display.year_totals(page.parts())),
            "missing": missing_links(page, 2) if page.review else [],
        },
        step="part2",
        title=PART_TITLES[2],
    )
