"""Template helpers shared by every page: the error summary and small formatting filters."""

from django import template

register = template.Library()


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms):
    """An error summary for ``forms``: each field error links to its field (by the field's id).

    A formset counts as its forms, each field's label prefixed with the form's number."""
    items = []
    for form in forms:
        if form is None:
            continue
        if hasattr(form, "management_form"):
            if form.is_bound:
                for error in form.non_form_errors():
                    items.append({"anchor": "", "label": "", "message": error})
            parts = [(sub, f"{index} – ") for index, sub in enumerate(form.forms, start=1)]
        else:
            parts = [(form, "")]
        for part, prefix in parts:
            for error in part.non_field_errors():
                items.append({"anchor": "", "label": "", "message": error})
            for field in part:
                for error in field.errors:
                    anchor = "" if field.is_hidden else field.id_for_label
                    label = f"{prefix}{field.label}" if prefix else field.label
                    items.append({"anchor": anchor, "label": label, "message": error})
    return {"has_errors": bool(items), "error_items": items}


@register.filter
def total_minutes(value) -> int:
    """A ``timedelta`` in whole minutes (rounded up), e.g. for the lockout page."""
    seconds = int(value.total_seconds())
    return -(-seconds // 60)


@register.filter
def filesize(value) -> str:
    """Bytes as Swedish writes a file's size (``portal.formatting.file_size``)."""
    from portal.formatting import file_size

    return file_size(int(value or 0))
