"""What the staff area's views share: loading a region's inventory and showing service errors."""

from django.core.exceptions import ValidationError
from django.urls import reverse

from staff import selectors


def apply_errors(form, exc: ValidationError, field_map=None):
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


def context(round_, region, **extra):
    return {"round": round_, "region": region, **extra}


def load(round_slug, region_slug):
    return selectors.round_region_inventory_for_staff(
        round_slug=round_slug, region_slug=region_slug
    )


def detail_url(round_, region):
    return reverse(
        "staff:inventory", kwargs={"round_slug": round_.slug, "region_slug": region.slug}
    )
