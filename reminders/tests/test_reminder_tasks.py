"""The reminder tasks: the beat entry, the sweep task, and a real worker and beat against Redis."""

import datetime
import threading

import pytest
import time_machine
from celery.beat import Scheduler, Service
from django.conf import settings
from django.core import mail
from django.utils import timezone

from inventories.tests.factories import RoundFactory
from portal.celery import app
from regions.models import Region
from regions.tests.factories import ContactPersonFactory
from reminders import schedule as sched
from reminders.models import Reminder
from reminders.services import reminders_plan_due
from reminders.tasks import reminders_send_batch, reminders_sweep

STOCKHOLM = sched.STOCKHOLM
BEAT_ENTRY = "reminders-sweep"


def test_beat_runs_the_reminder_sweep_every_five_minutes_on_the_clock():
    entry = settings.CELERY_BEAT_SCHEDULE[BEAT_ENTRY]
    assert entry["task"] == "reminders.tasks.reminders_sweep"
    assert entry["task"] in app.tasks
    # On the clock (:00, :05, …) so that an 08:00 step leaves at 08:00.
    assert entry["schedule"].minute == set(range(0, 60, 5))
    assert entry["schedule"].hour == set(range(24))


@pytest.mark.django_db
def test_the_sweep_task_sends_what_is_due(region):
    Region.objects.exclude(pk=region.pk).update(active=False)
    user = ContactPersonFactory(region=region).user
    moment = datetime.datetime(2020, 1, 6, 8, 0, tzinfo=STOCKHOLM)
    with time_machine.travel(moment, tick=False):
        result = reminders_sweep.delay().get()
        again = reminders_sweep.delay().get()
    # The sweep queues the due rows in batches (inline here: the batch ran in turn).
    assert result == {"planned": 1, "superseded": 1, "queued": 1, "batches": 1}
    assert again == {"planned": 0, "superseded": 0, "queued": 0, "batches": 0}
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert Reminder.objects.filter(recipient=user.email, status=Reminder.Status.SENT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_sweep_task_sends_each_batch_over_its_own_connection(smtp_sink, monkeypatch):
    from reminders.services import sending

    monkeypatch.setattr(sending, "BATCH_SIZE", 4)
    regions = list(Region.objects.order_by("code")[:5])
    Region.objects.exclude(pk__in=[r.pk for r in regions]).update(active=False)
    recipients = sorted(
        ContactPersonFactory(region=region).user.email for region in regions for _ in range(2)
    )
    moment = datetime.datetime(2020, 1, 13, 8, 0, tzinfo=STOCKHOLM)
    with time_machine.travel(moment, tick=False):
        result = reminders_sweep.delay().get()

    assert result == {"planned": 10, "superseded": 20, "queued": 10, "batches": 3}
    messages = smtp_sink.wait_for(10)
    assert sorted(a for m in messages for a in m["to"]) == recipients
    assert smtp_sink.connections == 3  # one per batch (4, 4 and 2 rows)
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 10


@pytest.mark.django_db
def test_a_batch_task_run_twice_sends_nothing_twice(region):
    Region.objects.exclude(pk=region.pk).update(active=False)
    users = [ContactPersonFactory(region=region).user for _ in range(3)]
    moment = datetime.datetime(2020, 1, 13, 8, 0, tzinfo=STOCKHOLM)
    with time_machine.travel(moment, tick=False):
        reminders_plan_due(now=moment)
        ids = list(
            Reminder.objects.filter(status=Reminder.Status.PENDING).values_list("pk", flat=True)
        )
        first = reminders_send_batch.delay(ids).get()
        second = reminders_send_batch.delay(ids).get()

    assert first == {"sent": 3}
    assert second == {}  # every row already sent: nothing claimed, nothing sent
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)


@pytest.mark.django_db
def test_a_batch_task_leaves_rows_that_are_not_due_yet(region):
    Region.objects.exclude(pk=region.pk).update(active=False)
    ContactPersonFactory(region=region)
    moment = datetime.datetime(2020, 1, 13, 8, 0, tzinfo=STOCKHOLM)
    with time_machine.travel(moment, tick=False):
        reminders_plan_due(now=moment)
        row = Reminder.objects.get(status=Reminder.Status.PENDING)
        Reminder.objects.filter(pk=row.pk).update(
            next_attempt_at=moment + datetime.timedelta(minutes=5)
        )
        result = reminders_send_batch.delay([row.pk]).get()

    assert result == {}
    assert mail.outbox == []
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Reminder.Status.PENDING, 0)


@pytest.mark.broker
def test_a_real_worker_and_beat_deliver_a_due_reminder(celery_worker, smtp_sink, region):
    """Beat sends the sweep task to Redis; the worker runs it; the reminder reaches SMTP."""
    Region.objects.exclude(pk=region.pk).update(active=False)
    user = ContactPersonFactory(region=region).user
    today = timezone.localdate()
    deadline = datetime.datetime.combine(
        today + datetime.timedelta(days=7), datetime.time(23, 59, 59), tzinfo=STOCKHOLM
    )
    # A round whose "7 days before" step fell due at midnight today.
    RoundFactory(
        opens_at=timezone.now() - datetime.timedelta(days=30),
        deadline=deadline,
        reminder_days=[7],
        reminder_time=datetime.time(0, 0),
    )

    old_schedule = app.conf.beat_schedule
    entry = settings.CELERY_BEAT_SCHEDULE[BEAT_ENTRY]
    # The real entry, ticking every second instead of waiting for the next five-minute mark.
    app.conf.beat_schedule = {BEAT_ENTRY: {**entry, "schedule": 1.0}}
    beat = Service(app, max_interval=0.5, scheduler_cls=Scheduler, remote_control=False)
    thread = threading.Thread(target=beat.start, name="beat", daemon=True)
    thread.start()
    try:
        messages = smtp_sink.wait_for(1, timeout=60)
    finally:
        beat.stop(wait=True)
        thread.join(timeout=10)
        app.conf.beat_schedule = old_schedule

    assert [m["to"] for m in messages][:1] == [[user.email]]
    message = messages[0]["message"]
    assert message["Subject"].strip() == (
        "Påminnelse: 7 dagar kvar att lämna in behovsinventeringen för Region Skåne"
    )
    row = Reminder.objects.get(recipient=user.email)
    assert row.status == Reminder.Status.SENT
    assert message["Message-ID"].strip() == row.message_id
    # However often beat ticked, the reminder left once.
    assert len([m for m in smtp_sink.messages if m["to"] == [user.email]]) == 1
