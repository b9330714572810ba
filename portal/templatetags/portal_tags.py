"""Template helpers shared by every page: the error summary and small formatting filters."""

from django import template

register = template.Library()


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms):
    """An error summary for ``forms``: each field error links to its field (by the field's id)."""
    items = []
    for form in forms:
        if form is None:
            continue
        for error in form.non_field_errors():
            items.append({"anchor": "", "label": "", "message": error})
        for field in form:
            for error in field.errors:
                anchor = "" if field.is_hidden else field.id_for_label
                items.append({"anchor": anchor, "label": field.label, "message": error})
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
