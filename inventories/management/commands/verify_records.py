"""``manage.py verify_records``: re-hash every stored snapshot and PDF; non-zero exit on damage."""

from django.core.management.base import BaseCommand, CommandError

from inventories.services.integrity import records_verify


class Command(BaseCommand):
    help = (
        "Re-hash every submitted version's stored content and every stored PDF; flag damaged "
        "records, e-mail the staff mailbox once about new ones, exit 1 if any is damaged."
    )

    def handle(self, *args, **options):
        report = records_verify()
        for version, problems in report.damaged:
            inventory = version.inventory
            for problem in problems:
                self.stderr.write(
                    f"DAMAGED {inventory.round.slug} {inventory.region.code} "
                    f"{inventory.region.name} v{version.number}: {problem}"
                )
        self.stdout.write(
            f"{report.checked} versions checked, {len(report.damaged)} damaged "
            f"({report.newly_damaged} new), {report.restored} verified again."
        )
        if not report.ok:
            raise CommandError(f"{len(report.damaged)} damaged records.", returncode=1)
