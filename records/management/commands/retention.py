"""``manage.py retention [--dry-run [--at TIME]] [--round SLUG]``: apply the retention plans.

``--dry-run`` lists what would go (kind, id, age, reason) and changes nothing, as of now or of
``--at`` (ISO; without an offset, Swedish time); without it everything listed is purged, each
purge recorded (``records.PurgeRecord``), and a summary printed. ``--round`` limits the run to
that round's drafts.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inventories.models import Round
from records.retention import STOCKHOLM, retention_apply, retention_candidates


class Command(BaseCommand):
    help = "Apply the retention plans: anonymise, delete and reset what is due (or list it)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would go; change nothing"
        )
        parser.add_argument(
            "--round", dest="round_slug", help="only this round's drafts (its slug)"
        )
        parser.add_argument(
            "--at", help="with --dry-run: as if it were this time (ISO; default now, Swedish time)"
        )

    def handle(self, *args, dry_run=False, round_slug=None, at=None, **options):
        round_ = None
        if round_slug:
            try:
                round_ = Round.objects.get(slug=round_slug)
            except Round.DoesNotExist:
                raise CommandError(f"No round with the slug {round_slug!r}.") from None
        now = timezone.now()
        if at:
            if not dry_run:
                raise CommandError("--at only goes with --dry-run: purging happens now.")
            try:
                now = datetime.datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at: not an ISO date and time: {at!r}") from None
            if timezone.is_naive(now):
                now = now.replace(tzinfo=STOCKHOLM)
        when = timezone.localtime(now, STOCKHOLM).strftime("%Y-%m-%d %H:%M %Z")
        scope = f"round {round_.slug}, drafts only" if round_ else "all rounds"
        if dry_run:
            candidates = retention_candidates(now=now, round=round_)
            self.stdout.write(f"Retention as of {when}, {scope} (dry run: nothing is changed)")
            for candidate in candidates:
                days = candidate.age(now).days
                self.stdout.write(
                    f"{candidate.kind}\t{candidate.object_id}\t{days} days\t{candidate.reason}"
                )
            self.stdout.write(f"{len(candidates)} would be purged.")
            return
        purged = retention_apply(now=now, round=round_, trigger="command")
        failed = purged.pop("failed", 0)
        summary = ", ".join(f"{kind} {count}" for kind, count in sorted(purged.items()))
        self.stdout.write(
            f"Retention as of {when}, {scope}: {sum(purged.values())} purged"
            + (f" ({summary})." if summary else ".")
        )
        if failed:
            raise CommandError(f"{failed} purges failed (see the log); the next run tries again.")
