"""The one helper that builds every e-mail of the portal from templates.

An e-mail named ``<name>`` has three templates: ``<name>.subject.txt`` (one line, usually a
``blocktranslate``), ``<name>.txt`` and ``<name>.html``. They are rendered in the recipient's
language, so a message to a user who chose English is written in English.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


@dataclass
class Email:
    template: str
    to: list[str]
    context: dict = field(default_factory=dict)
    language: str = "sv"
    reply_to: list[str] | None = None
    headers: dict = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)


def build_email(email: Email) -> EmailMultiAlternatives:
    """Render ``email`` in its language and return the message, ready to send."""
    language = email.language or settings.LANGUAGE_CODE
    context = {"site_url": settings.SITE_URL, "staff_mailbox": settings.STAFF_MAILBOX}
    context.update(email.context)
    with translation.override(language):
        subject = " ".join(render_to_string(f"{email.template}.subject.txt", context).split())
        text = render_to_string(f"{email.template}.txt", context)
        html = render_to_string(f"{email.template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=email.reply_to if email.reply_to is not None else [settings.STAFF_MAILBOX],
        headers=email.headers,
    )
    message.attach_alternative(html, "text/html")
    for attachment in email.attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    return message


def send_email(email: Email, *, connection=None) -> None:
    """Render and send one e-mail; SMTP errors propagate so the calling task can retry."""
    message = build_email(email)
    message.connection = connection or get_connection()
    message.send(fail_silently=False)
