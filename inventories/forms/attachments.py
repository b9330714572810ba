"""Uploading an attachment: the kind, a short description and the file.

The form checks formats only; what the file is (by its content) and whether it fits the size
limits is decided by ``inventories.services.attachments`` and shown next to the file field.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from inventories import uploads
from inventories.models.attachments import DESCRIPTION_MAX, Attachment
from portal.formatting import file_size

from .common import INVALID_CHOICE, PortalForm, text_field


class AttachmentForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("Typ av bilaga"),
        choices=[("", _("Välj typ")), *Attachment.Kind.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "required": _("Välj typ av bilaga."),
            "invalid_choice": INVALID_CHOICE,
        },
    )
    description = text_field(
        _("Kort beskrivning (valfritt)"),
        max_length=DESCRIPTION_MAX,
        rows=0,
        help_text=_("Till exempel ”Regionstyrelsens beslut 2019-11-05, § 142”."),
    )
    file = forms.FileField(
        label=_("Fil"),
        widget=forms.FileInput(
            attrs={
                "class": "form-control",
                "accept": ".pdf,.docx,.xlsx,.odt,.ods,.png,.jpg,.jpeg",
            }
        ),
        error_messages={
            "required": _("Välj en fil att ladda upp."),
            "empty": _("Filen är tom."),
            "invalid": _("Välj en fil att ladda upp."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Tillåtna filtyper: %(types)s. Högst %(limit)s per fil. Filen kontrolleras mot "
            "skadlig kod innan den kan öppnas."
        ) % {
            "types": uploads.allowed_labels(),
            "limit": file_size(settings.ATTACHMENT_MAX_FILE_SIZE),
        }
