"""``manage.py reminders preview|send``: see who would get which reminder, or run the sweep once.

    manage.py reminders preview [--round SLUG] [--at 2020-01-13T07:00]
    manage.py reminders send [--round SLUG]

``preview`` is a dry run: it writes nothing and sends nothing. A time without an offset is
Swedish local time (Europe/Stockholm).
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inventories.models import Round
from reminders import schedule as sched
from reminders.services import (
    reminders_plan_due,
    reminders_preview,
    reminders_send_due,
)


def parse_moment(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--at: not an ISO date and time: {value!r}") from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=sched.STOCKHOLM)
    return moment


def local(value: datetime.datetime) -> str:
    return value.astimezone(sched.STOCKHOLM).strftime("%Y-%m-%d %H:%M %Z")


class Command(BaseCommand):
    help = "Preview the deadline reminders (dry run) or run the reminder sweep once."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        preview = actions.add_parser("preview", help="who would get what, and when (dry run)")
        preview.add_argument("--round", dest="round_slug", help="only this round (its slug)")
        preview.add_argument(
            "--at", dest="at", help="as if it were this time (ISO; default now, Stockholm time)"
        )
        send = actions.add_parser("send", help="plan and send what is due now (one sweep)")
        send.add_argument("--round", dest="round_slug", help="only plan this round (its slug)")

    def _round(self, slug):
        if not slug:
            return None
        try:
            return Round.objects.get(slug=slug)
        except Round.DoesNotExist:
            raise CommandError(f"No round with the slug {slug!r}.") from None

    def handle(self, *args, action, round_slug=None, at=None, **options):
        round_ = self._round(round_slug)
        if action == "send":
            now = timezone.now()
            planned = reminders_plan_due(now=now, round=round_)
            outcomes = reminders_send_due(now=now)
            self.stdout.write(
                f"planned {planned.pending} (superseded {planned.skipped}); "
                + ", ".join(
                    f"{name} {outcomes.get(name, 0)}"
                    for name in ("sent", "retry", "failed", "skipped")
                )
            )
            return
        now = parse_moment(at) if at else timezone.now()
        if round_ is not None and (not round_.active or round_.opens_at > now):
            state = "inactive" if not round_.active else f"opens {local(round_.opens_at)}"
            self.stdout.write(f"Round {round_.slug} is {state}: nothing would be sent.")
        lines = reminders_preview(now=now, round=round_)
        self.stdout.write(f"Reminders as of {local(now)} (dry run: nothing is written or sent)")
        if not lines:
            self.stdout.write("Nothing due or planned.")
        for line in lines:
            who = line.region or "staff"
            self.stdout.write(
                f"{local(line.when)}  {line.round:<10} {line.action:<17} {line.kind:<17} "
                f"{line.step:<38} {who:<34} {line.recipient}".rstrip()
            )
