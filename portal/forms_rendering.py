"""One way to render a form field, for every form of the portal.

Every form's bound fields are ``AccessibleBoundField`` (through ``PortalFormRenderer``, Django's
``FORM_RENDERER``), and django-crispy-forms renders a field with the project's own field template
``templates/bootstrap5/field.html``: the label (with "obligatoriskt" where required), the help text,
the messages next to the field, and ``aria-describedby``/``aria-invalid`` tying them together.
Templates write ``{{ form.field|as_crispy_field }}``.
"""

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates


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


class PortalFormRenderer(DjangoTemplates):
    """Django's default renderer, with accessible bound fields for every form."""

    bound_field_class = AccessibleBoundField
