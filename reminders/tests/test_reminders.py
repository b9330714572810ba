"""Deadline reminders: the schedule (pure functions) and the services that plan and send them."""

import datetime
import socket
from email.utils import parsedate_to_datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventories.models import AuditEvent, Inventory
from inventories.services import inventory_submit
from inventories.tests.factories import RoundFactory, open_inventory, round_2019
from regions.models import Region
from regions.tests.factories import ContactPersonFactory, UserFactory
from reminders import schedule as sched
from reminders.models import Reminder
from reminders.services import (
    MAX_ATTEMPTS,
    deadline_extend,
    reminders_plan_due,
    reminders_retry_failed,
    reminders_send_due,
    reminders_sweep,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = datetime.UTC
DEADLINE_2019 = datetime.datetime(2020, 1, 20, 23, 59, 59, tzinfo=STOCKHOLM)


def at(*args):
    """A moment in Swedish local time."""
    return datetime.datetime(*args, tzinfo=STOCKHOLM)


def date_header_local(value) -> datetime.datetime:
    """An e-mail's Date header in Stockholm time (Django writes UTC as "-0000")."""
    moment = parsedate_to_datetime(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM)


def sweep(moment):
    """Run the sweep as beat would at ``moment`` (in Stockholm time)."""
    with time_machine.travel(moment, tick=False):
        return reminders_sweep(now=moment)


STAFF_MAILBOX = "behovsinventering@example.se"


def region_mail():
    """The e-mails to regions (not the staff mailbox), in the order they were sent."""
    return [m for m in mail.outbox if m.to != [STAFF_MAILBOX]]


def only_regions(*regions):
    """Leave only ``regions`` active, so the other 19 do not add escalations to every test."""
    Region.objects.exclude(pk__in=[r.pk for r in regions]).update(active=False)


# ---------------------------------------------------------------------------------------------
# The schedule
# ---------------------------------------------------------------------------------------------


def _schedule_2019(**kwargs):
    return sched.schedule(
        deadline=DEADLINE_2019,
        reminder_days=[30, 14, 7, 3, 1],
        reminder_time=datetime.time(8, 0),
        **kwargs,
    )


def test_default_schedule_of_the_2019_round_is_30_14_7_3_1_days_before_at_eight():
    steps = _schedule_2019()
    assert [(s.key, s.kind) for s in steps] == [
        ("before-30@2020-01-20", "reminder"),
        ("before-14@2020-01-20", "reminder"),
        ("before-7@2020-01-20", "reminder"),
        ("before-3@2020-01-20", "reminder"),
        ("before-1@2020-01-20", "reminder"),
        ("passed@2020-01-20", "deadline_passed"),
    ]
    assert [s.due_at for s in steps] == [
        at(2019, 12, 21, 8, 0),
        at(2020, 1, 6, 8, 0),
        at(2020, 1, 13, 8, 0),
        at(2020, 1, 17, 8, 0),
        at(2020, 1, 19, 8, 0),
        at(2020, 1, 21, 8, 0),
    ]
    # Winter time: 08:00 in Stockholm is 07:00 UTC.
    assert {s.due_at.astimezone(UTC).hour for s in steps} == {7}


def test_schedule_crosses_the_autumn_dst_change_at_eight_local_time():
    """27 October 2019: clocks go back. Both sides of the change are at 08:00 on the wall."""
    steps = sched.schedule(
        deadline=at(2019, 11, 10, 23, 59, 59),
        reminder_days=[30, 14, 7],
        reminder_time=datetime.time(8, 0),
    )
    local = [s.due_at.astimezone(STOCKHOLM) for s in steps]
    assert [(d.date().isoformat(), d.hour, d.minute) for d in local] == [
        ("2019-10-11", 8, 0),
        ("2019-10-27", 8, 0),
        ("2019-11-03", 8, 0),
        ("2019-11-11", 8, 0),
    ]
    assert [s.due_at.astimezone(UTC).hour for s in steps] == [6, 7, 7, 7]
    # 16 days apart on the calendar, but 16 days and one hour apart in absolute time.
    assert steps[1].due_at - steps[0].due_at == datetime.timedelta(days=16, hours=1)


def test_schedule_crosses_the_spring_dst_change_and_a_missing_hour_moves_forward():
    steps = sched.schedule(
        deadline=at(2020, 4, 5, 23, 59, 59),
        reminder_days=[14, 3],
        reminder_time=datetime.time(8, 0),
    )
    assert [s.due_at.astimezone(UTC).hour for s in steps] == [7, 6, 6]
    # 02:30 on 29 March 2020 does not exist in Stockholm: the clock shows 03:30 then.
    moved = sched.local_wall_time(datetime.date(2020, 3, 29), datetime.time(2, 30))
    assert (moved.hour, moved.minute, moved.utcoffset()) == (3, 30, datetime.timedelta(hours=2))


def test_no_step_before_the_round_opens():
    steps = _schedule_2019(opens_at=at(2020, 1, 1, 0, 0))
    assert [s.key.split("@")[0] for s in steps] == [
        "before-14",
        "before-7",
        "before-3",
        "before-1",
        "passed",
    ]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2019, 12, 21, 7, 59), None),
        (at(2019, 12, 21, 8, 0), "before-30@2020-01-20"),
        (at(2020, 1, 12, 23, 0), "before-14@2020-01-20"),
        (at(2020, 1, 20, 23, 59, 59), "before-1@2020-01-20"),
        # After the deadline a "1 day left" is stale: nothing until the morning after.
        (at(2020, 1, 21, 0, 0), None),
        (at(2020, 1, 21, 7, 59), None),
        (at(2020, 1, 21, 8, 0), "passed@2020-01-20"),
    ],
)
def test_current_step_is_the_latest_due_one_and_never_stale(moment, expected):
    step = sched.current_step(_schedule_2019(), now=moment, deadline=DEADLINE_2019)
    assert (step.key if step else None) == expected


def test_days_left_counts_calendar_days_in_stockholm():
    assert sched.days_left(DEADLINE_2019, at(2019, 12, 21, 8, 0)) == 30
    assert sched.days_left(DEADLINE_2019, at(2020, 1, 19, 8, 0)) == 1
    # 23:30 UTC on 19 January is already 20 January in Stockholm.
    late = datetime.datetime(2020, 1, 19, 23, 30, tzinfo=UTC)
    assert sched.days_left(DEADLINE_2019, late) == 0


# ---------------------------------------------------------------------------------------------
# Planning and sending
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def skane(region):
    return region


@pytest.fixture
def stockholm(other_region):
    return other_region


def _contact(region, **user):
    return ContactPersonFactory(region=region, user=UserFactory(**user)).user


def test_every_active_contact_of_an_open_region_gets_one_reminder(skane, stockholm):
    only_regions(skane, stockholm)
    main = _contact(skane, full_name="Anna Åberg")
    deputy = _contact(skane)
    ContactPersonFactory(region=skane, active=False)  # no longer a contact person
    _contact(skane, is_active=False)  # account switched off
    other = _contact(stockholm)

    sweep(at(2019, 12, 21, 8, 0))

    assert sorted(m.to[0] for m in mail.outbox) == sorted([main.email, deputy.email, other.email])
    rows = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert {(r.scope, r.step, r.recipient) for r in rows} == {
        ("12", "before-30@2020-01-20", main.email),
        ("12", "before-30@2020-01-20", deputy.email),
        ("01", "before-30@2020-01-20", other.email),
    }


def test_the_reminder_says_region_round_deadline_days_left_what_is_missing_and_links(skane):
    only_regions(skane)
    user = _contact(skane, full_name="Anna Åberg")
    with time_machine.travel(at(2019, 11, 1, 10, 0), tick=False):
        open_inventory(round=round_2019(), region=skane, user=user, filled=False)

    sweep(at(2019, 12, 21, 8, 0))

    (message,) = mail.outbox
    row = Reminder.objects.get()
    assert message.subject == (
        "Påminnelse: 30 dagar kvar att lämna in behovsinventeringen för Region Skåne"
    )
    assert message.reply_to == ["behovsinventering@example.se"]
    assert message.extra_headers["Message-ID"] == row.message_id
    text = message.body
    assert "Hej Anna Åberg!" in text
    assert "Region Skåne i Behovsinventering hösten 2019" in text
    assert "Sista dag för inlämning: 20 januari 2020 kl. 23:59 (svensk tid)." in text
    assert "Det är 30 dagar kvar." in text
    assert "Del 1 – Nuläge" in text and "Regionens förutsättningar saknas" in text
    assert "Inga insatser. Lägg till minst en insats." in text
    assert "Inga mål. Lägg till minst ett mål." in text
    assert "http://127.0.0.1:8000/region/region-skane/" in text
    html = message.alternatives[0][0]
    assert (
        "Regionens förutsättningar saknas" in html and 'href="http://127.0.0.1:8000/region' in html
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.REMINDER_SENT)
    assert event.inventory.region == skane
    assert event.data["step"] == "before-30@2020-01-20"


def test_a_region_that_never_opened_the_form_is_reminded_that_all_three_parts_remain(skane):
    only_regions(skane)
    _contact(skane)
    sweep(at(2020, 1, 13, 8, 0))
    (message,) = mail.outbox
    assert "Det är 7 dagar kvar." in message.body
    assert "Regionen har inte påbörjat behovsinventeringen. Alla tre delarna återstår:" in (
        message.body
    )
    for part in ("Del 1 – Nuläge", "Del 2 – Insatser", "Del 3 – Börläge, mål och effekter"):
        assert f"- {part}" in message.body
    event = AuditEvent.objects.get(action=AuditEvent.Action.REMINDER_SENT)
    assert (event.inventory, event.region, event.round) == (None, skane, round_2019())


def test_nothing_before_the_round_opens_after_submission_or_to_inactive_regions(skane, stockholm):
    gotland = Region.objects.get(code="09")
    only_regions(skane, stockholm, gotland)
    user = _contact(skane)
    _contact(stockholm)
    _contact(gotland)
    gotland.active = False
    gotland.save()
    late_round = RoundFactory(opens_at=at(2020, 1, 10, 0, 0))
    with time_machine.travel(at(2019, 11, 1, 10, 0), tick=False):
        inventory = open_inventory(round=round_2019(), region=skane, user=user)
        inventory_submit(inventory=inventory, user=user)

    sweep(at(2019, 12, 21, 8, 0))

    rows = Reminder.objects.all()
    # Only Stockholm, only the 2019 round: Skåne submitted, Gotland is inactive, the other
    # round has not opened.
    assert {(r.round.slug, r.scope) for r in rows} == {("2019", "01")}
    assert len(mail.outbox) == 1
    # Once the late round opens, its first step after opening is the first one sent.
    sweep(at(2020, 1, 13, 8, 0))
    assert set(
        Reminder.objects.filter(round=late_round, status="sent").values_list("step", flat=True)
    ) == {"before-7@2020-01-20"}
    assert not Reminder.objects.filter(round=late_round, step__startswith="before-14").exists()


def test_the_sweep_follows_the_schedule_staff_set_on_the_round(skane):
    only_regions(skane)
    _contact(skane)
    round_ = round_2019()
    round_.reminder_days = [21, 10]
    round_.reminder_time = datetime.time(9, 30)
    round_.full_clean()
    round_.save()
    for moment in (at(2019, 12, 21, 8, 0), at(2019, 12, 30, 9, 25), at(2019, 12, 30, 9, 30)):
        sweep(moment)
    sweep(at(2020, 1, 10, 9, 30))
    assert [m.subject.split(" att ")[0] for m in region_mail()] == [
        "Påminnelse: 21 dagar kvar",
        "Påminnelse: 10 dagar kvar",
    ]
    assert {r.due_at.astimezone(STOCKHOLM).time() for r in Reminder.objects.all()} == {
        datetime.time(9, 30)
    }


def test_running_the_sweep_again_sends_nothing_twice(skane):
    only_regions(skane)
    _contact(skane)
    sweep(at(2019, 12, 21, 8, 0))
    sweep(at(2019, 12, 21, 8, 0))
    sweep(at(2019, 12, 21, 8, 5))
    sweep(at(2019, 12, 22, 8, 0))
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_a_region_that_submits_after_planning_is_not_sent_the_pending_row(skane):
    only_regions(skane)
    user = _contact(skane)
    with time_machine.travel(at(2019, 11, 1, 10, 0), tick=False):
        inventory = open_inventory(round=round_2019(), region=skane, user=user)
    moment = at(2019, 12, 21, 8, 0)
    with time_machine.travel(moment, tick=False):
        assert reminders_plan_due(now=moment).pending == 1
        inventory_submit(inventory=inventory, user=user)
        reminders_send_due(now=moment)
    assert mail.outbox == []
    row = Reminder.objects.get()
    assert row.status == Reminder.Status.SKIPPED
    assert row.note == "Behovsinventeringen är inskickad."


def _submitted_then_returned(region, user, *, returned_at):
    with time_machine.travel(at(2019, 11, 1, 10, 0), tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=user)
        inventory_submit(inventory=inventory, user=user)
    # Staff return it for completion (the review service's effect on the row).
    Inventory.objects.filter(pk=inventory.pk).update(
        status=Inventory.Status.RETURNED, returned_at=returned_at
    )
    return inventory


def test_a_returned_inventory_is_reminded_of_the_steps_after_it_came_back(skane):
    only_regions(skane)
    user = _contact(skane)
    inventory = _submitted_then_returned(skane, user, returned_at=at(2020, 1, 8, 15, 0))
    for moment in (at(2020, 1, 8, 16, 0), at(2020, 1, 13, 8, 0), at(2020, 1, 21, 8, 0)):
        sweep(moment)
    # Not the 14-days step it missed while submitted; the later ones, saying it came back,
    # under the registration number the first submission gave it.
    inventory.refresh_from_db()
    dnr = f"Dnr {inventory.registration_number}: "
    assert inventory.registration_number
    assert [m.subject for m in region_mail()] == [
        dnr + "Påminnelse: 7 dagar kvar att lämna in behovsinventeringen för Region Skåne",
        dnr + "Sista dag för behovsinventeringen har passerat – Region Skåne",
    ]
    assert "Den kompletterade behovsinventeringen har inte kommit in" in region_mail()[1].body
    assert "har återsänts för komplettering" in region_mail()[0].body
    assert not Reminder.objects.filter(step="before-14@2020-01-20").exists()


def test_an_inventory_returned_after_the_deadline_waits_for_an_extension(skane):
    only_regions(skane)
    user = _contact(skane)
    _submitted_then_returned(skane, user, returned_at=at(2020, 1, 23, 9, 0))
    for moment in (at(2020, 1, 23, 10, 0), at(2020, 1, 24, 8, 0), at(2020, 2, 1, 8, 0)):
        sweep(moment)
    # No "deadline passed, nothing received": it was received; staff set a new deadline.
    assert region_mail() == []
    assert not Reminder.objects.filter(scope="12").exists()


def test_beat_down_for_a_week_sends_only_the_latest_step(skane):
    only_regions(skane)
    user = _contact(skane)
    sweep(at(2019, 12, 21, 8, 0))
    # Beat is down from 5 January until 18 January 09:00: 14, 7 and 3 days have all passed.
    sweep(at(2020, 1, 18, 9, 0))
    assert [m.subject for m in mail.outbox] == [
        "Påminnelse: 30 dagar kvar att lämna in behovsinventeringen för Region Skåne",
        "Påminnelse: 2 dagar kvar att lämna in behovsinventeringen för Region Skåne",
    ]
    rows = {r.step: r for r in Reminder.objects.filter(recipient=user.email)}
    assert rows["before-3@2020-01-20"].status == "sent"
    for step in ("before-14@2020-01-20", "before-7@2020-01-20"):
        assert rows[step].status == "skipped"
        assert rows[step].note.startswith("Ersatt av ett senare steg (before-3@2020-01-20)")
    assert "before-1@2020-01-20" not in rows


def test_a_sweep_after_the_deadline_never_sends_a_stale_reminder(skane):
    only_regions(skane)
    _contact(skane)
    sweep(at(2020, 1, 21, 3, 0))
    assert mail.outbox == []
    sweep(at(2020, 1, 21, 8, 0))
    (message,) = region_mail()
    assert message.subject == "Sista dag för behovsinventeringen har passerat – Region Skåne"
    assert "var 20 januari 2020 kl. 23:59" in message.body
    statuses = dict(Reminder.objects.filter(scope="12").values_list("step", "status"))
    assert statuses.pop("passed@2020-01-20") == "sent"
    assert set(statuses.values()) == {"skipped"} and len(statuses) == 5


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    return settings


def _every_five_minutes(start, end):
    moment = start
    while moment <= end:
        yield moment
        moment += datetime.timedelta(minutes=5)


def test_smtp_down_retries_with_backoff_then_fails_visibly(skane, smtp_down):
    only_regions(skane)
    _contact(skane)
    attempts_at = []
    for moment in _every_five_minutes(at(2019, 12, 21, 8, 0), at(2019, 12, 21, 11, 0)):
        before = Reminder.objects.filter(scope="12").values_list("attempts", flat=True).first()
        sweep(moment)
        after = Reminder.objects.get(scope="12").attempts
        if after != (before or 0):
            attempts_at.append(moment.strftime("%H:%M"))
    # 5, 10, 20 and 40 minutes between the attempts; then it shows as failed, and is still
    # tried again (at most an hour apart) while its step is current.
    assert attempts_at == ["08:00", "08:05", "08:15", "08:35", "09:15", "10:15"]
    row = Reminder.objects.get(scope="12")
    assert (row.status, row.attempts) == (Reminder.Status.FAILED, MAX_ATTEMPTS + 1)
    assert "ConnectionRefusedError" in row.last_error
    assert row.sent_at is None


def test_a_failed_row_is_sent_by_itself_when_smtp_returns(skane, smtp_down, smtp_sink):
    """An SMTP outage of hours: the row fails visibly, then goes out once, with no staff action."""
    only_regions(skane)
    user = _contact(skane)
    smtp_down.EMAIL_PORT = _closed_port()
    for moment in _every_five_minutes(at(2019, 12, 21, 8, 0), at(2019, 12, 21, 12, 0)):
        sweep(moment)
    assert Reminder.objects.get().status == Reminder.Status.FAILED
    smtp_down.EMAIL_PORT = smtp_sink.port  # the mail server is back at 12:00
    for moment in _every_five_minutes(at(2019, 12, 21, 12, 5), at(2019, 12, 21, 14, 0)):
        sweep(moment)
    messages = smtp_sink.wait_for(1)
    assert [m["to"] for m in messages] == [[user.email]]
    row = Reminder.objects.get()
    assert row.status == Reminder.Status.SENT and row.last_error == ""
    assert messages[0]["message"]["Message-ID"].strip() == row.message_id


def test_a_failed_row_whose_step_is_superseded_is_skipped_and_the_new_step_sent(
    skane, smtp_down, smtp_sink
):
    only_regions(skane)
    user = _contact(skane)
    smtp_down.EMAIL_PORT = _closed_port()
    for moment in _every_five_minutes(at(2019, 12, 21, 8, 0), at(2019, 12, 21, 10, 0)):
        sweep(moment)
    first = Reminder.objects.get()
    assert first.status == Reminder.Status.FAILED
    # The mail server stays down until the next step (14 days before the deadline) is due.
    sweep(at(2020, 1, 6, 7, 55))
    smtp_down.EMAIL_PORT = smtp_sink.port
    for moment in _every_five_minutes(at(2020, 1, 6, 8, 0), at(2020, 1, 6, 9, 0)):
        sweep(moment)  # the old row is skipped at its next attempt (at most an hour later)
    first.refresh_from_db()
    assert first.status == Reminder.Status.SKIPPED
    assert "Ersatt av ett senare steg" in first.note
    messages = smtp_sink.wait_for(1)
    assert [m["to"] for m in messages] == [[user.email]]
    [sent] = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert sent.step != first.step


def test_smtp_back_before_the_last_attempt_sends_exactly_once(skane, smtp_down, smtp_sink):
    only_regions(skane)
    user = _contact(skane)
    smtp_down.EMAIL_PORT = _closed_port()
    sweep(at(2019, 12, 21, 8, 0))
    sweep(at(2019, 12, 21, 8, 5))
    assert Reminder.objects.get().attempts == 2
    smtp_down.EMAIL_PORT = smtp_sink.port  # the mail server is back
    for moment in _every_five_minutes(at(2019, 12, 21, 8, 10), at(2019, 12, 21, 10, 0)):
        sweep(moment)
    messages = smtp_sink.wait_for(1)
    assert len(messages) == 1
    assert messages[0]["to"] == [user.email]
    row = Reminder.objects.get()
    assert (row.status, row.attempts) == (Reminder.Status.SENT, 3)
    assert messages[0]["message"]["Message-ID"].strip() == row.message_id
    sent = date_header_local(messages[0]["message"]["Date"])
    assert (sent.hour, sent.minute) == (8, 15)


def test_a_message_that_cannot_be_built_does_not_hold_up_the_others(skane, stockholm, monkeypatch):
    only_regions(skane, stockholm)
    broken = _contact(skane)
    fine = _contact(stockholm)
    with time_machine.travel(at(2019, 11, 1, 10, 0), tick=False):
        open_inventory(round=round_2019(), region=skane, user=broken, filled=False)
    # Patch where the e-mail is built (the package does not re-export private helpers).
    from reminders.services import content as service

    real = service._missing_parts

    def missing_parts(inventory):
        if inventory is not None:  # Skåne's checklist breaks; Stockholm never opened the form
            raise RuntimeError("template trouble")
        return real(inventory)

    monkeypatch.setattr(service, "_missing_parts", missing_parts)
    sweep(at(2019, 12, 21, 8, 0))
    assert [m.to for m in mail.outbox] == [[fine.email]]
    row = Reminder.objects.get(recipient=broken.email)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "RuntimeError: template trouble"
    assert row.next_attempt_at == at(2019, 12, 21, 8, 5)


def test_staff_can_put_failed_rows_back_in_the_queue(skane, smtp_down, staff_user, contact):
    only_regions(skane)
    for moment in _every_five_minutes(at(2019, 12, 21, 8, 0), at(2019, 12, 21, 9, 30)):
        sweep(moment)
    row = Reminder.objects.get()
    assert row.status == "failed"
    with pytest.raises(PermissionDenied):
        reminders_retry_failed(reminders=[row], actor=contact)
    assert reminders_retry_failed(reminders=[row], actor=staff_user) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)


def test_regions_without_a_contact_person_are_escalated_to_staff_at_each_step(skane, stockholm):
    gotland = Region.objects.get(code="09")
    only_regions(skane, stockholm, gotland)
    _contact(skane)
    sweep(at(2019, 12, 20, 8, 0))
    assert mail.outbox == []  # nothing before the first step
    sweep(at(2019, 12, 21, 8, 0))
    staff = [m for m in mail.outbox if m.to == ["behovsinventering@example.se"]]
    (escalation,) = staff
    assert escalation.subject == "2 regioner saknar kontaktperson – Behovsinventering hösten 2019"
    assert "- Region Stockholm (01)" in escalation.body
    assert "- Region Gotland (09)" in escalation.body
    assert "Region Skåne" not in escalation.body
    # Stockholm gets a contact person: the next step lists only Gotland.
    _contact(stockholm)
    sweep(at(2020, 1, 6, 8, 0))
    staff = [m for m in mail.outbox if m.to == ["behovsinventering@example.se"]]
    assert len(staff) == 2
    assert staff[1].subject == "1 region saknar kontaktperson – Behovsinventering hösten 2019"
    assert "Region Stockholm" not in staff[1].body


def test_the_staff_summary_after_the_deadline_lists_who_has_not_submitted(
    skane, stockholm, staff_user
):
    gotland = Region.objects.get(code="09")
    uppsala = Region.objects.get(code="03")
    only_regions(skane, stockholm, gotland, uppsala)
    user = _contact(skane)
    _contact(stockholm)
    uppsala_user = _contact(uppsala)
    with time_machine.travel(at(2019, 11, 1, 10, 0), tick=False):
        inventory = open_inventory(round=round_2019(), region=skane, user=user)
        inventory_submit(inventory=inventory, user=user)
        extended = open_inventory(round=round_2019(), region=uppsala, user=uppsala_user)
        deadline_extend(
            inventory=extended,
            new_deadline=datetime.date(2020, 1, 31),
            reason="Sjukdom",
            actor=staff_user,
        )
    sweep(at(2020, 1, 21, 8, 0))
    (summary,) = [m for m in mail.outbox if m.subject.startswith("Sista dag har passerat för")]
    assert summary.to == ["behovsinventering@example.se"]
    assert summary.subject.endswith(": 2 regioner har inte skickat in")
    assert "1 region har skickat in." in summary.body
    assert "- Region Stockholm (01): inte påbörjad" in summary.body
    assert "- Region Gotland (09): inte påbörjad, saknar kontaktperson" in summary.body
    assert "- Region Uppsala (03): utkast, sista dag 31 januari 2020 kl. 23:59" in summary.body
    assert "Region Skåne" not in summary.body


# ---------------------------------------------------------------------------------------------
# Extending a deadline
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def draft(skane, contact):
    only_regions(skane)
    with time_machine.travel(at(2019, 11, 1, 10, 0), tick=False):
        return open_inventory(round=round_2019(), region=skane, user=contact, filled=False)


NEW_DEADLINE = datetime.datetime(2020, 1, 31, 23, 59, 59, tzinfo=STOCKHOLM)


def test_extension_sends_a_notice_and_the_reminders_follow_the_new_deadline(
    draft, contact, staff_user, django_capture_on_commit_callbacks
):
    for moment in (at(2019, 12, 21, 8, 0), at(2020, 1, 6, 8, 0), at(2020, 1, 13, 8, 0)):
        sweep(moment)
    assert len(mail.outbox) == 3
    with time_machine.travel(at(2020, 1, 15, 10, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            deadline_extend(
                inventory=draft,
                new_deadline=NEW_DEADLINE,
                reason="Ny politisk ledning",
                actor=staff_user,
            )
    draft.refresh_from_db()
    assert draft.effective_deadline == NEW_DEADLINE
    assert draft.deadline_override_reason == "Ny politisk ledning"
    event = AuditEvent.objects.get(action=AuditEvent.Action.DEADLINE_EXTENDED)
    assert event.actor == staff_user and event.data["to"] == NEW_DEADLINE.isoformat()
    # The notice goes at once (queued after commit), through the ledger.
    notice = mail.outbox[3]
    assert notice.subject == (
        "Ny sista dag för behovsinventeringen för Region Skåne: 31 januari 2020"
    )
    assert "Ny sista dag för inlämning: 31 januari 2020 kl. 23:59 (svensk tid)." in notice.body
    assert "Det är 16 dagar kvar." in notice.body
    row = Reminder.objects.get(kind="extension_notice")
    assert row.step == "extended-2020-01-31T23:59:59+01:00" and row.status == "sent"
    # The new schedule's step that was already due (30 days before 31 January) is superseded.
    assert Reminder.objects.get(step="before-30@2020-01-31").status == "skipped"

    for day in (17, 19, 21, 24, 28, 30):
        sweep(at(2020, 1, day, 8, 0))
    sweep(at(2020, 2, 1, 8, 0))
    later = [m.subject for m in region_mail()[4:]]
    assert later == [
        "Påminnelse: 14 dagar kvar att lämna in behovsinventeringen för Region Skåne",
        "Påminnelse: 7 dagar kvar att lämna in behovsinventeringen för Region Skåne",
        "Påminnelse: 3 dagar kvar att lämna in behovsinventeringen för Region Skåne",
        "Påminnelse: 1 dag kvar att lämna in behovsinventeringen för Region Skåne",
        "Sista dag för behovsinventeringen har passerat – Region Skåne",
    ]
    assert "31 januari 2020 kl. 23:59" in region_mail()[-1].body
    # Nothing for the old deadline after the extension (17 and 19 January, 21 January passed).
    assert not Reminder.objects.filter(
        step__in=["before-3@2020-01-20", "before-1@2020-01-20", "passed@2020-01-20"],
        scope="12",
    ).exists()


def test_the_same_extension_twice_sends_one_notice(draft, staff_user):
    with time_machine.travel(at(2020, 1, 15, 10, 0), tick=False):
        for _ in range(2):
            deadline_extend(
                inventory=draft, new_deadline=NEW_DEADLINE, reason="Sjukdom", actor=staff_user
            )
        reminders_send_due(now=at(2020, 1, 15, 10, 0))
    assert [m.subject[:15] for m in mail.outbox] == ["Ny sista dag fö"]


def test_a_notice_superseded_by_a_second_extension_is_not_sent(draft, staff_user):
    with time_machine.travel(at(2020, 1, 15, 10, 0), tick=False):
        deadline_extend(
            inventory=draft, new_deadline=NEW_DEADLINE, reason="Sjukdom", actor=staff_user
        )
        deadline_extend(
            inventory=draft,
            new_deadline=datetime.date(2020, 2, 7),
            reason="Mer tid",
            actor=staff_user,
        )
        reminders_send_due(now=at(2020, 1, 15, 10, 0))
    (message,) = mail.outbox
    assert "7 februari 2020" in message.subject
    first = Reminder.objects.get(step="extended-2020-01-31T23:59:59+01:00")
    assert first.status == "skipped"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"new_deadline": NEW_DEADLINE, "reason": "  "}, ValidationError),
        ({"new_deadline": at(2020, 1, 10, 12, 0), "reason": "x"}, ValidationError),
        ({"new_deadline": at(2020, 1, 20, 12, 0), "reason": "x"}, ValidationError),
    ],
)
def test_an_extension_needs_a_reason_and_a_later_future_deadline(draft, staff_user, kwargs, error):
    with time_machine.travel(at(2020, 1, 15, 10, 0), tick=False):
        with pytest.raises(error):
            deadline_extend(inventory=draft, actor=staff_user, **kwargs)
    draft.refresh_from_db()
    assert draft.deadline_override is None


def test_only_staff_extend_and_not_a_submitted_inventory(draft, contact, staff_user):
    with time_machine.travel(at(2020, 1, 15, 10, 0), tick=False):
        with pytest.raises(PermissionDenied):
            deadline_extend(inventory=draft, new_deadline=NEW_DEADLINE, reason="x", actor=contact)
        Inventory.objects.filter(pk=draft.pk).update(status=Inventory.Status.SUBMITTED)
        with pytest.raises(ValidationError):
            deadline_extend(
                inventory=draft, new_deadline=NEW_DEADLINE, reason="x", actor=staff_user
            )
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DEADLINE_EXTENDED).exists()


# ---------------------------------------------------------------------------------------------
# Query count, the preview command and the admin
# ---------------------------------------------------------------------------------------------


def _plan_queries(moment):
    with CaptureQueriesContext(connection) as queries:
        reminders_plan_due(now=moment)
    return len(queries)


def test_planning_reads_in_a_fixed_number_of_queries(skane):
    only_regions(skane)
    _contact(skane)
    few = _plan_queries(at(2019, 12, 21, 8, 0))
    Region.objects.update(active=True)
    for region in Region.objects.exclude(pk=skane.pk)[:15]:
        user = _contact(region)
        with time_machine.travel(at(2019, 11, 1, 10, 0), tick=False):
            open_inventory(round=round_2019(), region=region, user=user, filled=False)
    Reminder.objects.all().delete()
    many = _plan_queries(at(2019, 12, 21, 8, 0))
    assert Reminder.objects.filter(step="before-30@2020-01-20").count() == 16
    assert many == few


def test_preview_command_prints_who_would_get_what_and_when(skane):
    only_regions(skane, Region.objects.get(code="09"))
    user = _contact(skane, email="anna.aberg@region-skane.example")
    out = StringIO()
    call_command("reminders", "preview", "--round", "2019", "--at", "2020-01-13T07:00", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "Reminders as of 2020-01-13 07:00 CET (dry run: nothing is written or sent)"
    )

    def line(when, action, kind, step, who, recipient):
        return (
            f"{when}  2019       {action:<17} {kind:<17} {step:<38} {who:<34} {recipient}"
        ).rstrip()

    skane_name = "Region Skåne (12)"
    assert (
        line(
            "2019-12-21 08:00 CET",
            "skip now",
            "reminder",
            "before-30@2020-01-20",
            skane_name,
            user.email,
        )
        in lines
    )
    assert (
        line(
            "2020-01-06 08:00 CET",
            "send now",
            "reminder",
            "before-14@2020-01-20",
            skane_name,
            user.email,
        )
        in lines
    )
    assert (
        line(
            "2020-01-13 08:00 CET",
            "planned",
            "reminder",
            "before-7@2020-01-20",
            skane_name,
            user.email,
        )
        in lines
    )
    assert (
        line(
            "2020-01-21 08:00 CET",
            "planned",
            "deadline_passed",
            "passed@2020-01-20",
            skane_name,
            user.email,
        )
        in lines
    )
    assert (
        line(
            "2020-01-13 08:00 CET",
            "no contact person",
            "reminder",
            "before-7@2020-01-20",
            "Region Gotland (09)",
            "",
        )
        in lines
    )
    assert (
        line(
            "2020-01-06 08:00 CET",
            "send now",
            "staff_escalation",
            "escalation-before-14@2020-01-20",
            "staff",
            "behovsinventering@example.se",
        )
        in lines
    )
    # A dry run: nothing written, nothing sent.
    assert not Reminder.objects.exists() and mail.outbox == []


def test_staff_see_the_ledger_with_failed_rows_in_the_admin(client, skane, smtp_down, staff_user):
    only_regions(skane)
    user = _contact(skane, email="failing@region-skane.example")
    for moment in _every_five_minutes(at(2019, 12, 21, 8, 0), at(2019, 12, 21, 9, 30)):
        sweep(moment)
    client.force_login(staff_user)
    response = client.get("/admin/reminders/reminder/", {"status": "failed"})
    assert response.status_code == 200
    page = response.content.decode()
    assert user.email in page and "⚠ Misslyckades" in page and "ConnectionRefusedError" in page
    response = client.get("/admin/reminders/reminder/", {"q": "Skåne"})
    assert user.email in response.content.decode()
    row = Reminder.objects.get()
    detail = client.get(f"/admin/reminders/reminder/{row.pk}/change/")
    assert detail.status_code == 200  # a read-only view
    assert client.post(f"/admin/reminders/reminder/{row.pk}/delete/").status_code == 403
