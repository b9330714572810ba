"""The outbox: one row per recipient, each sent once, retried with backoff until sent."""

import threading
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection

from portal.emails import Email
from portal.models import OutboxMessage
from portal.outbox import (
    RETRY_MAX,
    outbox_group_complete,
    outbox_message_add,
    outbox_retry_delay,
    outbox_send_due,
)


def notice(to, language="sv"):
    return Email(
        template="emails/returned",
        to=[to],
        language=language,
        context={"full_name": "Anna", "region": {"name": "Region Skåne"}, "message": "Hej"},
    )


def add(to, group="test:1"):
    return outbox_message_add(key=f"{group}:{to}", group=group, kind="test", email=notice(to))


@pytest.mark.django_db
def test_adding_twice_keeps_one_row_with_one_message_id():
    first = add("anna@example.se")
    second = add("anna@example.se")
    assert first.pk == second.pk and OutboxMessage.objects.count() == 1
    assert first.message_id.startswith("<") and first.message_id.endswith("@example.se>")
    assert first.subject and first.body_text and "<html" in first.body_html
    with pytest.raises(ValueError):
        outbox_message_add(
            key="x", group="x", kind="x", email=Email(template="emails/returned", to=["a", "b"])
        )


class Refusing(LocmemBackend):
    down = True

    def send_messages(self, messages):
        if self.down:
            raise ConnectionRefusedError("SMTP down")
        return super().send_messages(messages)


@pytest.mark.django_db
def test_a_failed_row_is_retried_with_backoff_until_it_is_sent(settings):
    settings.EMAIL_BACKEND = f"{__name__}.Refusing"
    Refusing.down = True
    row = add("anna@example.se")
    start = row.next_attempt_at
    moments = []
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(9):
            assert outbox_send_due() == {"retry": 1}
            row.refresh_from_db()
            moments.append(row.next_attempt_at - start)
            clock.move_to(row.next_attempt_at)
        assert outbox_send_due() != {}  # due again, never given up
        Refusing.down = False
        row.refresh_from_db()
        clock.move_to(row.next_attempt_at)
        assert outbox_send_due() == {"sent": 1}
        assert outbox_send_due() == {}
    minutes = [round(m.total_seconds() / 60) for m in moments]
    assert minutes[:4] == [1, 3, 7, 15]  # 1, 2, 4, 8 minutes apart
    assert outbox_retry_delay(20) == RETRY_MAX
    row.refresh_from_db()
    assert row.status == "sent" and row.last_error == ""
    assert [m.to for m in mail.outbox] == [["anna@example.se"]]
    assert mail.outbox[0].extra_headers["Message-ID"] == row.message_id
    assert outbox_group_complete("test:1")


@pytest.mark.django_db(transaction=True)
def test_ten_senders_at_once_send_each_row_exactly_once(postgres, smtp_sink):
    recipients = [f"person{n}@example.se" for n in range(12)]
    for to in recipients:
        add(to)
    barrier = threading.Barrier(10)
    errors = []

    def send():
        try:
            barrier.wait(timeout=30)
            outbox_send_due()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    messages = smtp_sink.wait_for(len(recipients))
    assert Counter(a for m in messages for a in m["to"]) == Counter(recipients)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
