"""The e-mail helper: a message written directly for an open SMTP connection reads as Django's."""

from email import message_from_bytes, policy

import pytest
from django.core.mail import get_connection
from django.core.mail.message import sanitize_address

from portal.emails import Attachment, Email, build_email, render_email, send_email, smtp_message


def notice(to="anna@example.se", language="sv", **context):
    return Email(
        template="emails/returned",
        to=[to],
        language=language,
        context={
            "full_name": "Anna Åkesson",
            "region": {"name": "Region Skåne"},
            "message": "Hej",
            **context,
        },
        headers={"Message-ID": "<reminder.abc@example.se>", "Auto-Submitted": "auto-generated"},
    )


def parsed(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def what_a_reader_sees(message) -> dict:
    """Every header but Date (the moment) and the boundary, decoded, and each part's content."""
    headers = [
        (name, str(value).strip())  # Django folds before a long value: a leading space
        for name, value in message.items()
        if name not in ("Date", "Content-Type")
    ]
    return {
        "headers": headers,
        "type": message.get_content_type(),
        "date": message["Date"].datetime is not None,
        "parts": [
            (
                part.get_content_type(),
                part.get_content_charset(),
                part["Content-Transfer-Encoding"],
                part["MIME-Version"],
                part.get_content(),
            )
            for part in message.iter_parts()
        ],
    }


@pytest.mark.parametrize(
    "email",
    [
        notice(),
        notice(language="en"),
        # A long subject, with the characters that encoded words must escape.
        notice(registration_number="2031/00042 = ? _ " + "ÅÄÖ åäö é " * 12),
        notice(to="Anna Åkesson <anna@exämple.se>"),
        # A line too long to send as it is: the part goes quoted-printable.
        notice(message="Hej. " + "Åtgärda det här, tack. " * 60),
    ],
    ids=["swedish", "english", "long-subject", "non-ascii-address", "long-line"],
)
def test_the_written_message_reads_as_djangos(email):
    rendered = render_email(email)
    sender, recipients, data = smtp_message(email, rendered)
    django = build_email(email, rendered)

    assert what_a_reader_sees(parsed(data)) == what_a_reader_sees(
        parsed(django.message().as_bytes(linesep="\r\n"))
    )
    assert parsed(data)["Subject"] == rendered.subject and "Anna Åkesson" in rendered.text
    assert parsed(data)["Message-ID"] == "<reminder.abc@example.se>"
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    # The envelope as Django's SMTP backend gives it to smtplib.
    assert sender == sanitize_address(django.from_email, "utf-8")
    assert recipients == [sanitize_address(address, "utf-8") for address in django.recipients()]


def test_what_only_django_writes_is_left_to_it():
    with_attachment = notice()
    with_attachment.attachments = [Attachment("a.pdf", b"%PDF")]
    own_sender = notice()
    own_sender.headers = {"From": "Någon annan <annan@example.se>"}
    assert smtp_message(with_attachment, render_email(with_attachment)) is None
    assert smtp_message(own_sender, render_email(own_sender)) is None
    assert smtp_message(notice(), render_email(notice())) is not None


@pytest.mark.django_db
def test_over_an_open_smtp_connection_the_message_arrives_whole(smtp_sink):
    connection = get_connection()
    connection.open()
    try:
        send_email(notice(), connection=connection)
        send_email(notice(to="bo@example.se", message="x" * 1200), connection=connection)
    finally:
        connection.close()
    first, second = smtp_sink.wait_for(2)
    assert smtp_sink.connections == 1
    assert first["to"] == ["anna@example.se"] and second["to"] == ["bo@example.se"]
    assert first["message"]["Auto-Submitted"] == "auto-generated"
    assert "Anna Åkesson" in first["message"].get_body(("plain",)).get_content()
    assert "x" * 1200 in second["message"].get_body(("plain",)).get_content()
