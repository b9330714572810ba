"""What every inventory page shares: loading the inventory for the user, the stepper, rendering
with an error summary, and turning a service's errors into messages next to the fields."""

import functools
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _

from inventories import services
from inventories.completeness import PART_TITLES, Completeness
from inventories.completion import OpenItems
from inventories.errors import InventoryLocked
from inventories.fragments import completeness_cached
from inventories.guidance import field_help
from inventories.models import Inventory, Round
from inventories.selectors import STATES, inventory_find, inventory_parts_load
from inventories.services.guards import ensure_editable
from regions.models import Region


@functools.lru_cache(maxsize=4096)
def _inventory_url(name, region_slug, round_slug, prefix, urlconf, kwargs) -> str:
    return reverse(
        f"inventories:{name}",
        kwargs={"region_slug": region_slug, "round_slug": round_slug, **dict(kwargs)},
        urlconf=urlconf,
    )


def inventory_url(name: str, region_slug: str, round_slug: str, **kwargs: str) -> str:
    """``reverse("inventories:<name>")`` for a region and round, remembered per process: the
    stepper and the links of every inventory page reverse the same few URLs each request."""
    return _inventory_url(
        name,
        region_slug,
        round_slug,
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
        tuple(sorted(kwargs.items())),
    )


@dataclass
class Page:
    """What every inventory page needs: where it is, who looks, and whether it may change."""

    request: HttpRequest
    region: Region
    round: Round
    inventory: Inventory | None
    is_contact: bool
    locked_reason: str = ""
    #: What Tillväxtverket asks the region to complete (open items), loaded with the inventory.
    open_items: OpenItems = field(default_factory=OpenItems)
    _completeness: Completeness | None = field(default=None, repr=False)

    @property
    def user(self):
        return self.request.user

    @property
    def completeness(self) -> Completeness:
        """The checklist, from the cache of this revision (computed once per revision)."""
        if self._completeness is None:
            if self.inventory is None:
                return Completeness()
            self._completeness = completeness_cached(self.inventory)
        return self._completeness

    def parts(self):
        """The inventory with all three parts loaded (queries only the first time)."""
        return inventory_parts_load(self.inventory)

    def lazy(self, build):
        """``build(page)``, computed when a template first uses it (the template engine calls
        a callable it finds in the context) and not at all when a cached fragment
        (``{% cachedparts %}``) has it already."""
        return functools.cache(lambda: build(self))

    @property
    def editable(self) -> bool:
        return self.is_contact and self.inventory is not None and not self.locked_reason

    @property
    def review(self) -> bool:
        return self.request.GET.get("granska") == "1"

    def url(self, name, **kwargs) -> str:
        return inventory_url(
            name, self.region.slug, self.round.slug, **{k: str(v) for k, v in kwargs.items()}
        )

    def review_errors(self, *, part, **ids) -> dict:
        """Completeness messages per field in review mode (``?granska=1``), else nothing."""
        if not self.review or self.inventory is None:
            return {}
        return self.completeness.field_errors(part=part, **ids)

    def refresh(self):
        """Reload the inventory with all parts (after a conflict shows what is now saved)."""
        _region, _round, self.inventory = inventory_find(
            user=self.user, region_slug=self.region.slug, round_slug=self.round.slug
        )
        self._evaluate()

    def _evaluate(self):
        self._completeness = None
        self.open_items = OpenItems.of(self.inventory)
        if not self.is_contact:
            self.locked_reason = _(
                "Du ser behovsinventeringen som handläggare. Endast regionens kontaktpersoner "
                "kan ändra den."
            )
            return
        try:
            ensure_editable(self.inventory)
        except InventoryLocked as exc:
            self.locked_reason = exc.messages[0]
        else:
            self.locked_reason = ""


def load_page(
    request, region_slug, round_slug, *, open_inventory=True, parts=True, states=STATES
) -> Page:
    """The page's inventory; a contact person's first visit opens (creates) it.

    ``parts=False`` loads only the inventory row with the records ``states`` (Del 1's, Del 3's)
    that the page shows: it takes the rest from the cache of this revision or loads it with
    ``page.parts()``."""
    region, round_, inventory = inventory_find(
        user=request.user,
        region_slug=region_slug,
        round_slug=round_slug,
        parts=parts,
        states=states,
    )
    page = Page(request, region, round_, inventory, is_contact=not request.user.is_handlaggare)
    if inventory is None:
        if not (page.is_contact and open_inventory):
            return page
        try:
            services.inventory_open(round=round_, region=region, user=request.user)
        except InventoryLocked as exc:
            page.locked_reason = exc.messages[0]
            return page
        page.refresh()
        return page
    page._evaluate()
    return page


def load_existing_page(request, region_slug, round_slug, *, parts=True, states=STATES) -> Page:
    """The page of an inventory that must already exist (edit, delete, move, submit, receipt)."""
    page = load_page(
        request, region_slug, round_slug, open_inventory=False, parts=parts, states=states
    )
    if page.inventory is None:
        raise Http404
    return page


def require_contact(page):
    """Changes are for the region's contact persons only; staff read (403 on a crafted POST)."""
    if not page.is_contact:
        raise PermissionDenied(_("Endast regionens kontaktpersoner kan ändra behovsinventeringen."))


def not_started(page):
    return render(
        page.request,
        "inventories/not_started.html",
        {"page": page, "title": page.round.name, "steps": []},
    )


STEPS = (
    ("part1", 1),
    ("part2", 2),
    ("part3", 3),
    ("review", None),
)


def steps_of(page, current):
    steps = []
    for name, part in STEPS:
        title = PART_TITLES[part] if part else _("Granska och skicka in")
        if part:
            missing = len(page.completeness.for_part(part))
            to_complete = page.open_items.count(part)
        else:
            missing = len(page.completeness.items)
            to_complete = len(page.open_items)
        steps.append(
            {
                "name": name,
                "title": title,
                "url": page.url(name),
                "current": name == current,
                "missing": missing,
                "to_complete": to_complete,
            }
        )
    return steps


PART_OF_STEP = {"part1": 1, "part2": 2, "part3": 3}


def _completion_notices(page, context, step, form):
    """What Tillväxtverket asks the region to complete, next to what it concerns: at the part
    (or, on an intervention's or goal's page, at that item) and at each field of a part form."""
    part = PART_OF_STEP.get(step)
    if part is None or page.inventory is None or not page.open_items:
        return
    at_fields = form is not None and getattr(form, "PART", None) == part
    if at_fields and not context.get("show_form", True):
        at_fields = False  # the part is shown read-only: its field items go with the part's
    if "completion_notices" not in context:
        items = page.open_items.at_part(part)
        if not at_fields:
            items += [
                i for field_items in page.open_items.by_field(part).values() for i in field_items
            ]
        context["completion_notices"] = page.open_items.notices(items, page.inventory)
    if at_fields:
        form.field_notices = page.open_items.field_notices(part, page.inventory)


def guidance_key(guidance: dict) -> str:
    """A short digest of a form's help texts and examples as shown in the active language."""
    text = "\x1f".join(
        f"{name}\x1e{help_text}\x1e{example}"
        for name, (help_text, example) in sorted(guidance.items())
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def render_page(page, template, context, *, step, title, status=200, error_items=()):
    error_items = list(error_items)
    form = context.get("form")
    if getattr(form, "GUIDANCE", ""):
        guidance = field_help(page.round, form.GUIDANCE)
        form.apply_guidance(guidance)
        # The round's own help texts (staff edit them) name a form cached in {% cachedparts %}.
        context.setdefault("guidance_key", guidance_key(guidance))
    _completion_notices(page, context, step, form)
    return render(
        page.request,
        template,
        {
            "page": page,
            "inventory": page.inventory,
            "title": title,
            "steps": steps_of(page, step),
            "has_errors": bool(error_items),
            "error_items": error_items,
            **context,
        },
        status=status,
    )


def with_revision(data, revision):
    """The user's own input with the revision now saved: a second "Spara" applies it."""
    data = data.copy()
    data["revision"] = str(revision)
    return data


def freeze(*forms):
    """Show what the user typed without offering to save it (the inventory is locked)."""
    for form in forms:
        form.freeze()


def apply_service_errors(exc, form, *, budget_errors=None):
    """Put a service's ``ValidationError`` next to the fields it names."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        if name == "budget" and budget_errors is not None:
            budget_errors.extend(message for error in errors for message in error.messages)
        elif name in form.fields:
            form.add_error(name, errors)
        else:
            form.add_error(None, errors)


def _post_value(value):
    """A saved value as a browser would post it (lists stay lists)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def saved_values(form_class_initial: dict) -> dict:
    """``{field: posted form}`` of what is saved now (from a form's ``initial_for``-style dict)."""
    return {
        name: _post_value(value) for name, value in form_class_initial.items() if name != "revision"
    }


def apply_conflict_choices(post, saved: dict):
    """The writer's input with the saved value put back in every field where they chose
    "keep the saved text" (``keep_<field>=saved``) on the conflict page."""
    if not any(key.startswith("keep_") for key in post):
        return post
    data = post.copy()
    for name, value in saved.items():
        if post.get(f"keep_{name}") != "saved":
            continue
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return data


def _shown(bound, value) -> str:
    """A value as the conflict page shows it (labels for choices, grouped kronor)."""
    if value in (None, "", []):
        return ""
    choices = dict((str(k), str(v)) for k, v in getattr(bound.field, "choices", []) or [])
    if isinstance(value, list | tuple):
        return "; ".join(choices.get(str(v), str(v)) for v in value)
    if choices and str(value) in choices:
        return choices[str(value)]
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u00a0") + "\u00a0kr"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def conflict_fields(form, saved: dict) -> list[dict]:
    """Field by field, where they differ: what the writer typed and what is saved now."""
    rows = []
    for name, saved_value in saved.items():
        if name not in form.fields:
            continue
        bound = form[name]
        field = bound.field
        try:
            mine = field.clean(bound.data)
        except ValidationError:
            mine = bound.data
        try:
            theirs = field.clean(saved_value)
        except ValidationError:
            theirs = saved_value
        if (mine or None) == (theirs or None):
            continue
        rows.append(
            {
                "name": name,
                "label": bound.label,
                "mine": _shown(bound, mine),
                "saved": _shown(bound, theirs),
            }
        )
    return rows


def conflict_context(exc, *, saved_by=None, revision):
    return {
        "message": exc.message,
        "saved_by": exc.saved_by or saved_by,
        "saved_at": exc.saved_at,
        "revision": revision,
    }


#: Where a part page may go after saving when the writer left it through the stepper or the
#: "Om uppdraget" link with unsaved text (``goto``, set by ``static/js/inventory.js``).
GOTO_STEPS = ("part1", "part2", "part3", "review", "about", "dialogue")


def after_save_url(page, here, next_step):
    goto = page.request.POST.get("goto", "")
    if goto in GOTO_STEPS:
        return page.url(goto)
    if "spara_fortsatt" in page.request.POST:
        return page.url(next_step)
    return page.url(here) + ("?granska=1" if page.review else "")


def with_missing(page, entries, key):
    """Each intervention's or goal's count of missing things, for "Klar / N saker saknas"."""
    counts = Counter(getattr(item, f"{key}_id") for item in page.completeness.items)
    for entry in entries:
        entry["missing"] = counts.get(entry["pk"], 0)
    return entries


def with_notices(page, entries, kind):
    """Each intervention's or goal's open completion items, as notices beside it."""
    for entry in entries:
        items = page.open_items.for_object(kind, entry["pk"])
        entry["notices"] = page.open_items.notices(items, page.inventory)
    return entries


def missing_links(page, part=None):
    items = page.completeness.for_part(part) if part else page.completeness.items
    return [
        {"part": item.part, "message": item.message, "url": item.url(page.inventory)}
        for item in items
    ]
