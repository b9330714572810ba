"""Every stored e-mail address becomes lower-case, and the database keeps it so.

One address is one account. ``0001`` already made ``Lower(email)`` unique, so two spellings of
one address cannot both exist; should a database have been filled without that constraint, this
migration stops and names the duplicates (merging two accounts, with their contact person roles
and histories, is a decision for a person, not for a migration), before lower-casing the rest.
"""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def lowercase_emails(apps, schema_editor):
    User = apps.get_model("portal", "User")
    db = schema_editor.connection.alias
    duplicates = (
        User.objects.using(db)
        .annotate(normalized=Lower("email"))
        .values("normalized")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("normalized", flat=True)
    )
    duplicates = sorted(duplicates)
    if duplicates:
        raise RuntimeError(
            "These e-mail addresses belong to more than one account when case is ignored; "
            "merge or rename them, then migrate again: " + ", ".join(duplicates)
        )
    for user in User.objects.using(db).exclude(email=Lower("email")).only("pk", "email"):
        User.objects.using(db).filter(pk=user.pk).update(email=user.email.strip().lower())


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(lowercase_emails, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("email", django.db.models.functions.text.Lower("email"))),
                name="portal_user_email_lowercase",
            ),
        ),
    ]
