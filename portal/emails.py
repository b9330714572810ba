"""The one helper that builds every e-mail of the portal from templates.

An e-mail named ``<name>`` has three templates: ``<name>.subject.txt`` (one line, usually a
``blocktranslate``), ``<name>.txt`` and ``<name>.html``. They are rendered in the recipient's
language, so a message to a user who chose English is written in English.

Sent over an SMTP connection that is already open (Django's SMTP backend, as a batch of
reminders holds one), a message without attachments is written to bytes directly
(``smtp_message``): the same headers, in the same order, and the same MIME structure as
Django's ``EmailMultiAlternatives`` (multipart/alternative, text and HTML in UTF-8, 8bit),
without the generic MIME machinery of the standard library, which costs more than rendering
the templates. Whatever it does not cover goes through ``EmailMultiAlternatives`` as before.
"""

import binascii
import functools
import random
import re
import sys
from dataclasses import dataclass, field
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, sanitize_address
from django.core.mail.utils import DNS_NAME
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


@dataclass
class Rendered:
    subject: str
    text: str
    html: str


def render_email(email: Email) -> Rendered:
    """The subject (on one line), text and HTML of ``email``, rendered in its language."""
    language = email.language or settings.LANGUAGE_CODE
    context = {"site_url": settings.SITE_URL, "staff_mailbox": settings.STAFF_MAILBOX}
    context.update(email.context)
    with translation.override(language):
        subject = " ".join(render_to_string(f"{email.template}.subject.txt", context).split())
        text = render_to_string(f"{email.template}.txt", context)
        html = render_to_string(f"{email.template}.html", context)
    return Rendered(subject, text, html)


def _reply_to(email: Email) -> list[str]:
    return email.reply_to if email.reply_to is not None else [settings.STAFF_MAILBOX]


def build_email(email: Email, rendered: Rendered | None = None) -> EmailMultiAlternatives:
    """Render ``email`` in its language and return the message, ready to send."""
    rendered = rendered or render_email(email)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=_reply_to(email),
        headers=email.headers,
    )
    message.attach_alternative(rendered.html, "text/html")
    for attachment in email.attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    return message


#: RFC 2047's encoded word: at most 75 characters, of which ``=?utf-8?q?`` and ``?=`` take 12.
_WORD = 75 - 12
#: What a "Q"-encoded word may carry as it is (RFC 2047 5(3)); a space is written "_".
_Q_PLAIN = frozenset("-!*+/0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SUBJECT_PLAIN = 78 - len("Subject: ")


def _encoded_words(text: str) -> str:
    """``text`` as RFC 2047 "Q" encoded words of UTF-8, one per folded line."""
    words: list[str] = []
    word: list[str] = []
    length = 0
    for char in text:
        if char in _Q_PLAIN:
            piece = char
        elif char == " ":
            piece = "_"
        else:
            piece = "".join(f"={byte:02X}" for byte in char.encode())
        if length + len(piece) > _WORD:
            words.append("".join(word))
            word, length = [], 0
        word.append(piece)
        length += len(piece)
    words.append("".join(word))
    return "\r\n ".join(f"=?utf-8?q?{word}?=" for word in words)


def _subject(subject: str) -> str:
    if subject.isascii() and len(subject) <= _SUBJECT_PLAIN and "=?" not in subject:
        return subject
    return _encoded_words(subject)


@functools.lru_cache(maxsize=64)
def _address(address: str) -> str:
    """Django's form of an address header's value (encoded name, IDNA domain)."""
    return sanitize_address(address, settings.DEFAULT_CHARSET)


def _part(subtype: str, text: str) -> str:
    """A text part in UTF-8 with CRLF line ends, as Django writes it: as it is (7bit if ASCII,
    else 8bit), or quoted-printable when a line is longer than an e-mail's line may be."""
    body = "\r\n".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    if any(len(line) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in body.encode().split(b"\r\n")):
        encoding = "quoted-printable"
        body = binascii.b2a_qp(body.encode(), istext=True).decode("ascii")  # CRLF kept
    else:
        encoding = "7bit" if body.isascii() else "8bit"
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n{body}"
    )


#: An address that is its own header value (no name, no encoding): a dot-atom in ASCII.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*"
)


def _recipient(address: str) -> str:
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return sanitize_address(address, settings.DEFAULT_CHARSET)


def _plain_header(value: str) -> bool:
    return value.isascii() and len(value) < 900 and "\n" not in value and "\r" not in value


def smtp_message(email: Email, rendered: Rendered) -> tuple[str, list[str], bytes] | None:
    """The envelope sender, the recipients and the bytes of ``email`` as Django would write
    them, or None for what only Django's ``EmailMultiAlternatives`` writes (attachments, extra
    headers with non-ASCII values or addresses of their own)."""
    if email.attachments or settings.DEFAULT_CHARSET.lower() != "utf-8":
        return None
    names = {name.lower() for name in email.headers}
    if names & {"from", "to", "cc", "reply-to", "date"} or not all(
        _plain_header(name) and _plain_header(str(value)) for name, value in email.headers.items()
    ):
        return None
    if "\n" in rendered.subject or "\r" in rendered.subject:
        return None  # Django refuses it (BadHeaderError); let it say so
    sender = _address(settings.DEFAULT_FROM_EMAIL)
    recipients = [_recipient(address) for address in email.to if address]
    if not recipients:
        return None  # Django sends nothing
    text, html = _part("plain", rendered.text), _part("html", rendered.html)
    while True:  # as the standard library does: a boundary that occurs in no part
        boundary = f"==============={random.randrange(sys.maxsize):019d}=="
        if "--" + boundary not in text and "--" + boundary not in html:
            break
    headers = [
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"',
        "MIME-Version: 1.0",
        f"Subject: {_subject(rendered.subject)}",
        f"From: {sender}",
        f"To: {', '.join(recipients)}",
    ]
    reply_to = _reply_to(email)
    if reply_to:
        headers.append(f"Reply-To: {', '.join(_address(address) for address in reply_to)}")
    headers.append(f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}")
    if "message-id" not in names:
        headers.append(f"Message-ID: {make_msgid(domain=DNS_NAME)}")
    headers.extend(f"{name}: {value}" for name, value in email.headers.items())
    data = "\r\n".join(
        [
            *headers,
            "",
            f"--{boundary}",
            text,
            f"--{boundary}",
            html,
            f"--{boundary}--",
            "",
        ]
    )
    return sender, recipients, data.encode()


def send_email(email: Email, *, connection=None) -> None:
    """Render and send one e-mail; SMTP errors propagate so the calling task can retry.

    Over an open SMTP ``connection`` the message is written by ``smtp_message`` where it can be.
    """
    rendered = render_email(email)
    smtp = getattr(connection, "connection", None) if isinstance(connection, SmtpBackend) else None
    if smtp is not None and (written := smtp_message(email, rendered)) is not None:
        sender, recipients, data = written
        smtp.sendmail(sender, recipients, data)
        return
    message = build_email(email, rendered)
    message.connection = connection or get_connection()
    message.send(fail_silently=False)
