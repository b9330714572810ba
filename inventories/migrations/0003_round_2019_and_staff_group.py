import datetime
from zoneinfo import ZoneInfo

from django.db import migrations

STOCKHOLM = ZoneInfo("Europe/Stockholm")

MILESTONES = [
    ("30 september 2019", "Sista dag för synpunkter på uppdraget"),
    ("September 2019", "Hearing och dialog"),
    ("Oktober 2019", "Startkapital och regional behovsinventering"),
    ("November 2019", "ERFA-träff och färdig modell"),
    ("20 januari 2020", "Behovsinventeringen lämnas in till Tillväxtverket"),
    ("Februari 2020", "Utlysningen öppnar"),
]


def create_round(apps, schema_editor):
    Round = apps.get_model("inventories", "Round")
    Milestone = apps.get_model("inventories", "Milestone")
    round_, created = Round.objects.get_or_create(
        slug="2019",
        defaults={
            "name": "Behovsinventering hösten 2019",
            "programme": "Hållbar regional utveckling",
            "opens_at": datetime.datetime(2019, 10, 1, 0, 0, tzinfo=STOCKHOLM),
            "deadline": datetime.datetime(2020, 1, 20, 23, 59, 59, tzinfo=STOCKHOLM),
            "start_capital": 100_000,
            "period_start": datetime.date(2020, 1, 1),
            "period_end": datetime.date(2022, 12, 31),
            "reminder_days": [30, 14, 7, 3, 1],
            "reminder_time": datetime.time(8, 0),
        },
    )
    if created:
        for position, (when, what) in enumerate(MILESTONES):
            Milestone.objects.create(round=round_, when=when, what=what, position=position)


def remove_round(apps, schema_editor):
    apps.get_model("inventories", "Round").objects.filter(slug="2019").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inventories", "0002_initial"),
        ("regions", "0002_load_regions"),
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [
        migrations.RunPython(create_round, remove_round),
        # The Handläggare group's permissions are kept in sync after every migrate by
        # portal.staff_group (a post_migrate handler), not here.
    ]
