"""Demo data so the portal can be tried at once: staff, a contact person per region, rounds.

Idempotent: running it again changes nothing that exists, except that the demo handläggare's
development backup codes are restored. Refuses to run under production settings.
"""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.models import STAFF_GROUP_NAME, User
from regions.models import ContactPerson, Region

DEMO_PASSWORD = "Behovsinventering-2019"
STAFF_EMAIL = "handlaggare@example.se"
#: The demo handläggare's second factor in development: backup codes that work once each and
#: are restored by every run of seed_demo (which never runs with production settings).
DEMO_BACKUP_CODES = [f"demo-kod-{n:02d}" for n in range(1, 11)]


class Command(BaseCommand):
    help = "Load demo accounts and a practice round (never in production)."

    def handle(self, *args, **options):
        if (settings.SETTINGS_MODULE or "").endswith(".production"):
            raise CommandError("seed_demo refuses to run with production settings.")
        with transaction.atomic():
            self._staff()
            contacts = self._contacts()
            from inventories.demo import seed_inventories

            summary = seed_inventories(contacts=contacts)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  staff: {STAFF_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(
            "    second factor (development only): a backup code, "
            f"{DEMO_BACKUP_CODES[0]} … {DEMO_BACKUP_CODES[-1]}, each once; seed_demo restores them"
        )
        self.stdout.write(f"  contact persons: kontakt-<code>@example.se / {DEMO_PASSWORD}")
        for line in summary:
            self.stdout.write(f"  {line}")

    def _staff(self):
        user, created = User.objects.get_or_create(
            email=STAFF_EMAIL,
            defaults={"full_name": "Hanna Handläggare", "is_staff": True},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=STAFF_GROUP_NAME))
        self._development_backup_codes(user)

    def _development_backup_codes(self, user):
        """The documented static development device: fixed backup codes, used up one by one."""
        from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

        device, _ = StaticDevice.objects.get_or_create(
            user=user, name="Utveckling (seed_demo)", defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(
            [StaticToken(device=device, token=code) for code in DEMO_BACKUP_CODES]
        )

    def _contacts(self):
        contacts = {}
        # One hash for all 21 demo accounts (same password): Argon2 takes a good part of a
        # second each time, which was most of a first seed_demo's time.
        password = make_password(DEMO_PASSWORD)
        for region in Region.objects.order_by("code"):
            email = f"kontakt-{region.code}@example.se"
            user, _created = User.objects.get_or_create(
                email=email,
                defaults={"full_name": f"Kontaktperson {region.name}", "password": password},
            )
            ContactPerson.objects.get_or_create(
                user=user, defaults={"region": region, "role": ContactPerson.Role.MAIN}
            )
            contacts[region.code] = user
        return contacts
