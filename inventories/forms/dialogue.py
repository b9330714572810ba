"""The thread's message form, the same for a contact person and a handläggare."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inventories.forms.common import PortalForm
from inventories.models import DIALOGUE_TEXT_MAX


class ThreadMessageForm(PortalForm):
    """A message in an inventory's thread: about one open item, or in general."""

    item = forms.ChoiceField(label=_("Gäller"), required=False)
    text = forms.CharField(
        label=_("Meddelande"),
        max_length=DIALOGUE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Skriv ett meddelande."),
            "max_length": _("Meddelandet får vara högst %(limit_value)d tecken."),
        },
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items_by_pk = {str(item.pk): item for item in items}
        field = self.fields["item"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Allmänt meddelande"))] + [
            (pk, item.label) for pk, item in self.items_by_pk.items()
        ]
        field.error_messages["invalid_choice"] = _("Välj en punkt i listan.")

    def chosen_item(self):
        """The item the message answers (after ``is_valid``), or ``None``."""
        return self.items_by_pk.get(self.cleaned_data.get("item") or "")
