"""Sending reminders in batches: queries per sent row, one SMTP connection, inventories lacking
a part, and a worker killed in the middle of a sweep."""

import datetime
import time

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import SmtpSink
from inventories.models import AuditEvent, CurrentState, Inventory, TargetState
from inventories.tests.factories import RoundFactory, open_inventory, round_2019
from regions.models import ContactPerson, Region
from regions.tests.factories import ContactPersonFactory
from reminders import schedule as sched
from reminders.models import Reminder
from reminders.services import reminders_plan_due, reminders_send_due, reminders_sweep
from reminders.services import sending as sending_service

STOCKHOLM = sched.STOCKHOLM
#: Seven days before the 2019 round's deadline: every open region is due a reminder.
DUE = datetime.datetime(2020, 1, 13, 8, 0, tzinfo=STOCKHOLM)


def _due_rows(regions, contacts):
    """``regions`` active regions (the others inactive, so no staff escalation), each with
    ``contacts`` contact persons; every other region has opened its inventory (with parts).
    Plans the reminders due at ``DUE`` and returns the recipients."""
    chosen = list(Region.objects.order_by("code")[:regions])
    Region.objects.exclude(pk__in=[r.pk for r in chosen]).update(active=False)
    recipients = []
    for n, region in enumerate(chosen):
        users = [ContactPersonFactory(region=region).user for _ in range(contacts)]
        recipients += [user.email for user in users]
        if n % 2 == 0:
            with time_machine.travel(DUE - datetime.timedelta(days=60), tick=False):
                open_inventory(round=round_2019(), region=region, user=users[0], filled=n % 4 == 0)
    with time_machine.travel(DUE, tick=False):
        reminders_plan_due(now=DUE)
    assert Reminder.objects.filter(status=Reminder.Status.PENDING).count() == len(recipients)
    return recipients


#: Transaction control, which Django's query log also lists: each row's own transaction is
#: what keeps a crash from sending it twice, and is not counted as a query.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _send_queries():
    with time_machine.travel(DUE, tick=False), CaptureQueriesContext(connection) as queries:
        outcome = reminders_send_due(now=DUE)
    statements = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        # One transaction per row. (SQLite's driver opens its transactions itself, unlogged.)
        assert statements.count("BEGIN") == outcome["sent"]
    return len([s for s in statements if not s.startswith(TRANSACTION_CONTROL)]), outcome["sent"]


# Each row is claimed in a transaction of its own, as in production (in a test's transaction
# those would be savepoints), hence a transactional test.
@pytest.mark.django_db(transaction=True)
def test_sending_costs_two_queries_per_row_and_a_constant_per_batch():
    _due_rows(regions=5, contacts=1)
    few, sent_few = _send_queries()
    Reminder.objects.all().delete()
    Region.objects.update(active=True)
    ContactPerson.objects.update(active=False)  # the first five recipients
    _due_rows(regions=10, contacts=5)
    many, sent_many = _send_queries()

    assert (sent_few, sent_many) == (5, 50)
    # Per row: claiming and marking it sent in one UPDATE, and the audit entry (the goal is at
    # most three). Reading the batch with its rounds, regions, recipients, inventories and their
    # parts is a constant on top.
    assert many - few == 2 * (sent_many - sent_few)
    overhead = few - 2 * sent_few
    assert overhead <= 10
    assert many <= 3 * sent_many
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REMINDER_SENT).count() == 55


@pytest.mark.django_db(transaction=True)
def test_a_sweep_sends_every_row_over_one_smtp_connection(smtp_sink, monkeypatch):
    monkeypatch.setattr(sending_service, "BATCH_SIZE", 7)  # several batches, one connection
    recipients = _due_rows(regions=6, contacts=3)

    with time_machine.travel(DUE, tick=False):
        outcome = reminders_send_due(now=DUE)

    assert outcome == {"sent": 18}
    messages = smtp_sink.wait_for(18)
    assert sorted(address for m in messages for address in m["to"]) == sorted(recipients)
    assert smtp_sink.connections == 1
    rows = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert {m["message"]["Message-ID"].strip() for m in messages} == set(
        rows.values_list("message_id", flat=True)
    )


@pytest.mark.django_db
def test_a_refused_message_costs_only_itself_and_the_connection_is_opened_again(region, settings):
    Region.objects.exclude(pk=region.pk).update(active=False)
    users = sorted(
        (ContactPersonFactory(region=region).user for _ in range(3)), key=lambda u: u.email
    )
    refused = users[1]
    with time_machine.travel(DUE, tick=False):
        reminders_plan_due(now=DUE)
    # A real SMTP server that refuses one recipient (550) and accepts the others.
    sink = SmtpSink()
    real = sink.controller.handler

    class Refusing:
        handle_EHLO = real.handle_EHLO
        handle_DATA = real.handle_DATA

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address == refused.email:
                return "550 No such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    sink.controller.handler = Refusing()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        with time_machine.travel(DUE, tick=False):
            outcome = reminders_send_due(now=DUE)
        delivered = sorted(a for m in sink.wait_for(2) for a in m["to"])
    finally:
        sink.stop()

    assert outcome == {"sent": 2, "retry": 1}
    assert delivered == [users[0].email, users[2].email]
    row = Reminder.objects.exclude(status=Reminder.Status.SKIPPED).get(recipient=refused.email)
    assert (row.status, row.attempts) == (Reminder.Status.PENDING, 1)
    assert "SMTPRecipientsRefused" in row.last_error
    # The refusal closed that connection; the next message opened a new one.
    assert sink.connections == 2


@pytest.mark.django_db
def test_an_inventory_lacking_del_1_and_del_3_rows_is_still_reminded(region):
    Region.objects.exclude(pk=region.pk).update(active=False)
    user = ContactPersonFactory(region=region).user
    # Not a state the portal creates (inventory_open and region_deadline_extend make both
    # parts in the same transaction), but data written by hand must not break the sweep.
    inventory = Inventory.objects.create(round=round_2019(), region=region)
    assert not CurrentState.objects.filter(inventory=inventory).exists()
    assert not TargetState.objects.filter(inventory=inventory).exists()

    with time_machine.travel(DUE, tick=False):
        outcome = reminders_sweep(now=DUE)

    assert outcome["sent"] == 1
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert "Det här saknas innan behovsinventeringen kan skickas in:" in message.body
    assert "Regionens förutsättningar saknas" in message.body  # Del 1, as if empty
    assert "Del 3 – Börläge, mål och effekter" in message.body
    assert not CurrentState.objects.filter(inventory=inventory).exists()  # nothing written


def _wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_worker_killed_mid_sweep_sends_each_reminder_exactly_once(
    postgres, worker_process, region
):
    Region.objects.exclude(pk=region.pk).update(active=False)
    users = [ContactPersonFactory(region=region).user for _ in range(4)]
    today = timezone.localdate()
    # A round whose "7 days before" step fell due at midnight today.
    RoundFactory(
        opens_at=timezone.now() - datetime.timedelta(days=30),
        deadline=datetime.datetime.combine(
            today + datetime.timedelta(days=7), datetime.time(23, 59, 59), tzinfo=STOCKHOLM
        ),
        reminder_days=[7],
        reminder_time=datetime.time(0, 0),
    )
    # The SMTP server accepts one reminder, then stops answering in the middle of the second.
    sink = SmtpSink(stall_after=1).start()
    try:
        first = worker_process(smtp_port=sink.port)
        first.send("reminders.tasks.reminders_sweep")
        assert sink.stalled.wait(90), first.log()
        first.kill()  # the machine is lost while the second reminder is on the wire
        assert len(sink.messages) == 1
        assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 1

        sink.release()
        second = worker_process(smtp_port=sink.port)
        second.send("reminders.tasks.reminders_sweep")
        _wait_until(
            lambda: Reminder.objects.filter(status=Reminder.Status.SENT).count() == len(users),
            timeout=90,
            what="every reminder to be sent\n" + second.log(),
        )
        time.sleep(1)  # anything sent twice would arrive now
    finally:
        sink.stop()

    delivered = sorted(address for m in sink.messages for address in m["to"])
    assert delivered == sorted(user.email for user in users)
    rows = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert {m["message"]["Message-ID"].strip() for m in sink.messages} == set(
        rows.values_list("message_id", flat=True)
    )
    assert set(rows.values_list("attempts", flat=True)) == {1}


def _sent_messages():
    """What the sweep handed over, per recipient: subject, to, text, HTML and Message-ID."""
    sent = {}
    for message in mail.outbox:
        (html, _mimetype), *_ = message.alternatives
        sent[message.to[0]] = (
            message.subject,
            message.to,
            message.body,
            html,
            message.extra_headers["Message-ID"],
        )
    mail.outbox.clear()
    return sent


@pytest.mark.django_db
def test_a_batch_task_sends_the_same_e_mails_as_the_sweep_in_one_process():
    recipients = _due_rows(regions=4, contacts=2)
    with time_machine.travel(DUE, tick=False):
        assert reminders_send_due(now=DUE) == {"sent": 8}
        in_turn = _sent_messages()
        Reminder.objects.filter(status=Reminder.Status.SENT).update(
            status=Reminder.Status.PENDING, attempts=0, sent_at=None
        )
        (ids,) = sending_service.reminders_due_batches(now=DUE)
        assert sending_service.reminders_send_batch(reminder_ids=ids, now=DUE) == {"sent": 8}
        batched = _sent_messages()

    assert sorted(in_turn) == sorted(recipients)
    assert batched == in_turn
    subject, to, text, html, _message_id = in_turn[recipients[0]]
    assert subject.startswith("Påminnelse: 7 dagar kvar att lämna in behovsinventeringen för ")
    assert "Sista dag för inlämning: 20 januari 2020 kl. 23:59 (svensk tid)." in text
    assert "Logga in och fortsätt" in html
