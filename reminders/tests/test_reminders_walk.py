"""A time-machine walk through the 2019 round: every hour from 1 October 2019 to 22 January 2020
(and on to 2 February for the region with an extension), the sweep runs as beat would run it.

At the end, the e-mails that left must be exactly the expected ones, per region and recipient,
at 08:00 Swedish time on both sides of the daylight-saving change of 27 October 2019.
"""

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from inventories.services import inventory_submit
from inventories.tests.factories import RoundFactory, open_inventory, round_2019
from regions.models import Region
from regions.tests.factories import ContactPersonFactory, StaffUserFactory, UserFactory
from reminders.models import Reminder
from reminders.services import deadline_extend, reminders_plan_due, reminders_send_due
from reminders.tests.test_reminders import STAFF_MAILBOX

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = datetime.UTC


def at(*args):
    return datetime.datetime(*args, tzinfo=STOCKHOLM)


WALK_START = at(2019, 10, 1, 0, 0)
WALK_END = at(2020, 1, 22, 0, 0)
CONTINUE_UNTIL = at(2020, 2, 2, 0, 0)
SUBMIT_AT = at(2020, 1, 10, 12, 0)
EXTEND_AT = at(2020, 1, 15, 10, 0)
NEW_DEADLINE = at(2020, 1, 31, 23, 59, 59)

# What the 2019 round sends a region that never submits: 30, 14, 7, 3 and 1 days before
# 20 January 2020 23:59:59, then "deadline passed" the morning after. All at 08:00 Stockholm.
ROUND_2019 = [
    ("reminder", "2019-12-21 08:00"),
    ("reminder", "2020-01-06 08:00"),
    ("reminder", "2020-01-13 08:00"),
    ("reminder", "2020-01-17 08:00"),
    ("reminder", "2020-01-19 08:00"),
    ("deadline_passed", "2020-01-21 08:00"),
]
# A short autumn round (deadline 10 November 2019, reminders 30, 14 and 7 days before): its
# first step is in summer time, the others in winter time. 27 October is the change itself.
AUTUMN = [
    ("reminder", "2019-10-11 08:00"),
    ("reminder", "2019-10-27 08:00"),
    ("reminder", "2019-11-03 08:00"),
    ("deadline_passed", "2019-11-11 08:00"),
]
# Uppsala: three reminders for 20 January, the notice when the deadline moves to 31 January,
# then that deadline's remaining steps (14 days before it is 17 January).
UPPSALA_2019 = [
    *ROUND_2019[:3],
    ("extension_notice", "2020-01-15 10:00"),
    ("reminder", "2020-01-17 08:00"),
    ("reminder", "2020-01-24 08:00"),
    ("reminder", "2020-01-28 08:00"),
    ("reminder", "2020-01-30 08:00"),
    ("deadline_passed", "2020-02-01 08:00"),
]
STAFF_2019 = [("staff_escalation", day) for _, day in ROUND_2019[:5]] + [
    ("staff_summary", "2020-01-21 08:00")
]
STAFF_AUTUMN = [("staff_escalation", day) for _, day in AUTUMN[:3]] + [
    ("staff_summary", "2019-11-11 08:00")
]


def _local(value) -> str:
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _contact(region, **user):
    return ContactPersonFactory(region=region, user=UserFactory(**user)).user


def _hours(start, end):
    moment = start.astimezone(UTC)
    end = end.astimezone(UTC)
    while moment <= end:
        yield moment
        moment += datetime.timedelta(hours=1)


def test_walk_through_the_2019_round_hour_by_hour():
    round_ = round_2019()
    regions = {region.code: region for region in Region.objects.all()}
    autumn = RoundFactory(
        slug="host-2019",
        name="Höstens kortomgång 2019",
        opens_at=at(2019, 10, 1, 0, 0),
        deadline=at(2019, 11, 10, 23, 59, 59),
        reminder_days=[30, 14, 7],
    )
    staff = StaffUserFactory()

    # Who is who. Gotland has no contact person; Halland is inactive; Stockholm has two active
    # contact persons plus one who stepped down and one whose account is switched off.
    contacts = {}
    for code, region in regions.items():
        if code == "09":
            continue
        contacts[code] = [_contact(region)]
    contacts["01"].append(_contact(regions["01"]))
    ContactPersonFactory(region=regions["01"], active=False)
    _contact(regions["01"], is_active=False)
    Region.objects.filter(code="13").update(active=False)

    events = {}

    def open_skane():
        return open_inventory(round=round_, region=regions["12"], user=contacts["12"][0])

    def open_uppsala():
        return open_inventory(
            round=round_, region=regions["03"], user=contacts["03"][0], filled=False
        )

    inventories = {}
    events[at(2019, 10, 15, 10, 0)] = lambda: inventories.update(skane=open_skane())
    events[at(2019, 11, 20, 10, 0)] = lambda: inventories.update(uppsala=open_uppsala())
    events[SUBMIT_AT] = lambda: inventory_submit(
        inventory=inventories["skane"], user=contacts["12"][0]
    )
    events[EXTEND_AT] = lambda: deadline_extend(
        inventory=inventories["uppsala"],
        new_deadline=NEW_DEADLINE,
        reason="Regionfullmäktige sammanträder först i slutet av januari.",
        actor=staff,
    )
    events = {moment.astimezone(UTC): action for moment, action in events.items()}

    iterations = 0
    sent_during_walk = 0
    with time_machine.travel(WALK_START, tick=False) as traveller:
        for moment in _hours(WALK_START, CONTINUE_UNTIL):
            traveller.move_to(moment)
            if moment in events:
                events.pop(moment)()
            reminders_plan_due(now=moment)
            reminders_send_due(now=moment)
            iterations += 1
            if moment == WALK_END.astimezone(UTC):
                sent_during_walk = len(mail.outbox)
    assert not events, "every event happened during the walk"
    # 124 days of 24 hours, the extra hour of 27 October, and both ends.
    assert iterations == 124 * 24 + 1 + 1

    # Every e-mail is a ledger row marked sent, and every sent row is exactly one e-mail.
    sent_rows = {row.message_id: row for row in Reminder.objects.filter(status="sent")}
    message_ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(message_ids) == len(set(message_ids)) == len(sent_rows)
    assert set(message_ids) == set(sent_rows)
    assert not Reminder.objects.filter(status__in=["pending", "failed"]).exists()

    received = defaultdict(list)
    for message in mail.outbox:
        row = sent_rows[message.extra_headers["Message-ID"]]
        assert message.to == [row.recipient]
        received[(row.round.slug, row.scope, row.recipient)].append((row.kind, _local(row.due_at)))
        # sent_at is the time the message was handed to the mail backend (the walk's clock).
        sent_local = row.sent_at.astimezone(STOCKHOLM)
        if row.kind != "extension_notice":
            # Due at 08:00 on the clock in Stockholm and sent then, summer time or winter time.
            assert (row.due_at.astimezone(STOCKHOLM).hour, sent_local.hour) == (8, 8)
            assert sent_local.minute == 0 and row.sent_at == row.due_at

    expected = {}
    for code, users in contacts.items():
        if code == "13":
            continue  # inactive region: nothing at all
        for user in users:
            plan = {"12": ROUND_2019[:2], "03": UPPSALA_2019}.get(code, ROUND_2019)
            expected[("2019", code, user.email)] = plan
            expected[("host-2019", code, user.email)] = AUTUMN
    expected[("2019", "staff", STAFF_MAILBOX)] = STAFF_2019
    expected[("host-2019", "staff", STAFF_MAILBOX)] = STAFF_AUTUMN
    assert dict(received) == expected

    # After 22 January only Uppsala's extended schedule went on: 24, 28, 30 January, 1 February.
    assert len(mail.outbox) - sent_during_walk == 4

    # The DST change: the autumn round's first reminder left at 06:00 UTC (summer time), the
    # later ones at 07:00 UTC (winter time): 08:00 on the clock both times.
    autumn_rows = Reminder.objects.filter(round=autumn, scope="04", status="sent").order_by(
        "due_at"
    )
    assert [row.sent_at.astimezone(UTC).hour for row in autumn_rows] == [6, 7, 7, 7]

    # Skåne stopped receiving when it submitted; Uppsala got nothing more for 20 January.
    skane = Reminder.objects.filter(round=round_, scope="12")
    assert not skane.filter(status="sent", sent_at__gt=SUBMIT_AT).exists()
    uppsala_old = Reminder.objects.filter(round=round_, scope="03", step__endswith="@2020-01-20")
    assert not uppsala_old.filter(status="sent", due_at__gt=EXTEND_AT).exists()

    # The staff escalation lists Gotland, the only active region without a contact person.
    escalations = [
        m for m in mail.outbox if m.subject.endswith("saknar kontaktperson – " + round_.name)
    ]
    assert len(escalations) == 5
    for message in escalations:
        assert message.subject.startswith("1 region saknar kontaktperson")
        assert "- Region Gotland (09)" in message.body
        assert "Region Halland" not in message.body
    (summary,) = [
        m for m in mail.outbox if m.subject.startswith(f"Sista dag har passerat för {round_.name}")
    ]
    assert summary.subject.endswith(": 18 regioner har inte skickat in")
    assert "1 region har skickat in." in summary.body
    assert "- Region Gotland (09): inte påbörjad, saknar kontaktperson" in summary.body
    assert "- Region Uppsala (03): utkast, sista dag 31 januari 2020 kl. 23:59" in summary.body
    assert "Region Skåne" not in summary.body and "Region Halland" not in summary.body
