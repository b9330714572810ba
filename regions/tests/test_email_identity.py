"""One identity per address: stored lower-case, found whatever the spelling."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.models import User, normalize_email_address
from regions.services import contact_person_register
from regions.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_normalize_email_address():
    assert normalize_email_address("  Anna.Berg@Region-Skane.SE ") == "anna.berg@region-skane.se"


def test_create_user_stores_the_address_lower_case():
    user = User.objects.create_user(email="Anna.Berg@Region.SE", full_name="Anna Berg")
    assert user.email == "anna.berg@region.se"


def test_the_database_refuses_an_upper_case_address():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="Stor@Region.se", full_name="Stor")])


def test_the_database_refuses_a_second_spelling_of_an_address(contact):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email=contact.email.upper(), full_name="Dubblett")])


def test_sign_in_with_any_spelling(client, contact):
    response = client.post(
        reverse("login"), {"username": f" {contact.email.upper()} ", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(contact.pk)


def test_password_reset_with_any_spelling(client, contact, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": contact.email.upper()})
    assert [m.to for m in mail.outbox] == [[contact.email]]


def test_registering_a_contact_person_stores_the_address_lower_case(region, staff_user):
    contact_person = contact_person_register(
        full_name="Anna Berg",
        email=" Anna.Berg@Region-Skane.SE",
        region=region,
        role="main",
        invited_by=staff_user,
    )
    assert contact_person.user.email == "anna.berg@region-skane.se"


def test_staff_cannot_register_a_second_spelling(client, staff_user, contact, region):
    from regions.forms import ContactPersonRegisterForm

    form = ContactPersonRegisterForm(
        {
            "full_name": "Dubblett",
            "email": contact.email.upper(),
            "region": region.pk,
            "role": "main",
        }
    )
    assert not form.is_valid()
    assert "email" in form.errors


@pytest.mark.django_db(transaction=True)
def test_the_migration_lower_cases_the_stored_addresses():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before, after = [("portal", "0001_initial")], [("portal", "0002_email_lowercase_unique")]
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO portal_user (password, email, full_name, language, is_staff,"
                " is_active, is_superuser, date_joined)"
                " VALUES ('!', 'Anna.Berg@Region.SE', 'Anna Berg', 'sv', %s, %s, %s, %s)",
                [False, True, False, "2019-10-01 08:00:00+00:00"],
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        # Back to the latest schema of every app: going back to portal 0001 also unapplied the
        # migrations that depend on later portal ones (inventories 0009 onwards).
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert User.objects.get(full_name="Anna Berg").email == "anna.berg@region.se"
