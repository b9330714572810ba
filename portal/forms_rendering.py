"""One way to render a form field, for every form of the portal.

Every form's bound fields are ``AccessibleBoundField`` (through ``PortalFormRenderer``, Django's
``FORM_RENDERER``), and django-crispy-forms renders a field with the project's own field template
``templates/bootstrap5/field.html``: the label (with "obligatoriskt" where required), the help text,
the messages next to the field, and ``aria-describedby``/``aria-invalid`` tying them together.
Templates write ``{{ form.field|as_crispy_field }}``.
"""

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe


def bootstrap_class(widget) -> str:
    """Bootstrap's class for a widget that names none: the look of the portal's fields."""
    input_type = getattr(widget, "input_type", "")
    if input_type in ("checkbox", "radio"):
        return "form-check-input"
    if input_type == "select":
        return "form-select"
    return "form-control"


class AccessibleBoundField(BoundField):
    """A bound field that knows its messages, their element id, and what describes it."""

    def extra_messages(self) -> list[str]:
        """Messages shown beside the field's own errors (forms may add some, e.g. review mode)."""
        return []

    @property
    def notices(self) -> list[dict]:
        """Notices shown beside the field (``includes/notices.html``): a form may set
        ``field_notices = {name: [notice, ...]}``."""
        return list(getattr(self.form, "field_notices", {}).get(self.name, []))

    @property
    def messages(self) -> list[str]:
        found = [str(error) for error in self.errors]
        for extra in self.extra_messages():
            if extra not in found:
                found.append(extra)
        return found

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}_error"

    @property
    def aria_describedby(self):
        if self.field.widget.attrs.get("aria-describedby"):
            return None
        ids = []
        if self.auto_id and not self.is_hidden:
            if self.help_text:
                ids.append(f"{self.auto_id}_helptext")
            if self.messages:
                ids.append(self.error_id)
            ids.extend(notice["id"] for notice in self.notices)
        return " ".join(ids)

    def build_widget_attrs(self, attrs, widget=None):
        widget = widget or self.field.widget
        attrs = super().build_widget_attrs(attrs, widget)
        if not widget.is_hidden and not (attrs.get("class") or widget.attrs.get("class")):
            attrs["class"] = bootstrap_class(widget)
        if not widget.is_hidden and self.messages:
            attrs["aria-invalid"] = "true"
            classes = attrs.get("class") or widget.attrs.get("class", "")
            attrs["class"] = f"{classes} is-invalid".strip()
        return attrs


def _as_s(value):
    """``{{ value|stringformat:'s' }}``: ``"%s" % value``, escaped unless it was safe."""
    if isinstance(value, SafeData):
        return value
    return conditional_escape(str(value))


def _attrs(attrs) -> str:
    """Django's ``django/forms/widgets/attrs.html``, in Python."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(" " + conditional_escape(name))
        if value is not True:
            out.append('="' + _as_s(value) + '"')
    return "".join(out)


def _input(widget) -> str:
    """Django's ``django/forms/widgets/input.html`` (and the templates that only include it)."""
    value = widget["value"]
    shown = "" if value is None else f' value="{_as_s(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _textarea(widget) -> str:
    """Django's ``django/forms/widgets/textarea.html``."""
    value = widget["value"]
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{conditional_escape(value) if value else ''}</textarea>"
    )


#: The widget templates the renderer writes in Python: byte for byte what Django's templates
#: give (``portal/tests/test_forms_rendering.py`` compares them), at a fraction of the cost.
#: A Del 1 page renders about 30 widgets; through the template engine they were a third of it.
FAST_WIDGETS = {
    **{
        f"django/forms/widgets/{name}.html": _input
        for name in (
            "input",
            "text",
            "number",
            "email",
            "url",
            "password",
            "hidden",
            "checkbox",
            "date",
            "time",
            "datetime",
        )
    },
    "django/forms/widgets/textarea.html": _textarea,
}


class PortalFormRenderer(DjangoTemplates):
    """Django's default renderer, with accessible bound fields for every form; the plain input
    and textarea widgets are written in Python (``FAST_WIDGETS``)."""

    bound_field_class = AccessibleBoundField

    def render(self, template_name, context, request=None):
        fast = FAST_WIDGETS.get(template_name)
        if fast is not None and "widget" in context:
            return mark_safe(fast(context["widget"]))  # noqa: S308 - every value escaped above
        return super().render(template_name, context, request=request)
