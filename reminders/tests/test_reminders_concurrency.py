"""On PostgreSQL, ten sweeps at the same moment deliver each reminder exactly once.

The count is taken where it matters: at a real SMTP server (aiosmtpd) that receives the mail.
"""

import datetime
import threading
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from regions.models import Region
from regions.tests.factories import ContactPersonFactory
from reminders.models import Reminder
from reminders.services import reminders_plan_due, reminders_send_due

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
STOCKHOLM = ZoneInfo("Europe/Stockholm")
THREADS = 10


def test_ten_sweeps_at_once_send_each_reminder_exactly_once(postgres, smtp_sink):
    # Seven days before the deadline of the 2019 round: six regions with two contact persons
    # each, the other fifteen without one (one staff escalation lists them).
    now = datetime.datetime(2020, 1, 13, 8, 0, tzinfo=STOCKHOLM)
    recipients = []
    for region in Region.objects.order_by("code")[:6]:
        for _ in range(2):
            recipients.append(ContactPersonFactory(region=region).user.email)
    expected = len(recipients) + 1

    barrier = threading.Barrier(THREADS)
    errors = []

    def sweep():
        try:
            barrier.wait(timeout=30)
            reminders_plan_due(now=now)
            reminders_send_due(now=now)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    # Every sweep has finished, and an SMTP send returns only once the sink has the message.
    messages = smtp_sink.wait_for(expected)
    assert len(messages) == expected
    per_recipient = Counter(address for m in messages for address in m["to"])
    assert per_recipient == Counter([*recipients, "behovsinventering@example.se"])
    message_ids = [m["message"]["Message-ID"].strip() for m in messages]
    assert len(set(message_ids)) == expected

    rows = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert rows.count() == expected
    assert set(rows.values_list("attempts", flat=True)) == {1}
    assert set(rows.values_list("message_id", flat=True)) == set(message_ids)
    # Catch-up recorded the two steps nobody was sent (30 and 14 days before) once each, for
    # every contact person and for the staff escalation.
    skipped = Reminder.objects.filter(status=Reminder.Status.SKIPPED)
    assert skipped.count() == 2 * (len(recipients) + 1)
