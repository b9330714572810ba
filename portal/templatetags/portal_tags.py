"""Template helpers shared by every page: the error summary and small formatting filters."""

from django import template
from django.utils import translation
from django.utils.safestring import mark_safe

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


#: What ``{% chrome %}`` rendered, per block, language and values (a few dozen entries).
_CHROME: dict[tuple, str] = {}


class ChromeNode(template.Node):
    def __init__(self, nodelist, name, values):
        self.nodelist, self.name, self.values = nodelist, name, values

    def render(self, context):
        key = (
            self.name,
            translation.get_language(),
            *(value.resolve(context) for value in self.values),
        )
        html = _CHROME.get(key)
        if html is None:
            html = str(self.nodelist.render(context))
            if len(_CHROME) < 256:
                _CHROME[key] = html
        return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there


@register.tag
def chrome(parser, token):
    """``{% chrome "name" value… %}…{% endchrome %}``: a block of the pages' frame (header,
    footer, session dialog) rendered once per process, language and ``value``s.

    The block may show only what the language, the values and the portal's settings, URLs,
    static files and templates decide (all fixed while the process runs): never the user's
    name, a CSRF token, the path or anything else of one request."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("chrome needs a name")
    nodelist = parser.parse(("endchrome",))
    parser.delete_first_token()
    return ChromeNode(nodelist, bits[1], [parser.compile_filter(bit) for bit in bits[2:]])
