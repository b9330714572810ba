"""A contact person the retention plan anonymised is never brought back.

Reactivation (the staff service behind the contact-person admin), a new invitation (the staff
area's "Skicka ny inbjudan", the admin action), an old invitation link, "ny länk" and a password
reset all refuse: the person behind the account is gone, a new contact person is registered.
"""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from inventories.models import AuditEvent
from records.retention import ANONYMISED_EMAIL_DOMAIN, STOCKHOLM
from records.retention.services import contact_person_anonymise
from regions.models import ContactPerson, Invitation
from regions.services import (
    account_access_request,
    contact_person_reactivate,
    invitation_accept,
    invitation_create,
    invitation_token,
)
from regions.tests.factories import PASSWORD, ContactPersonFactory
from staff.services import region_contact_invite, region_contact_reactivate

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2018, 1, 10, 9, 0, tzinfo=STOCKHOLM)
NOW = datetime.datetime(2021, 3, 1, 12, 0, tzinfo=STOCKHOLM)
REFUSED_REACTIVATION = "anonymiserad enligt gallringsplanen och kan inte återaktiveras"
REFUSED_INVITATION = "anonymiserad enligt gallringsplanen och kan inte bjudas in"
ADMIN_LIST = reverse("admin:regions_contactperson_changelist")


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def before():
    """What the contact person had before the plan anonymised them: a reset link, an address."""
    return {}


@pytest.fixture
def anonymised(region, staff_user, before):
    """A contact person deactivated long ago and anonymised by the retention service itself."""
    with time_machine.travel(LONG_AGO, tick=False):
        person = ContactPersonFactory(region=region)
        user = person.user
        before["email"] = user.email
        before["reset_path"] = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        ContactPerson.objects.filter(pk=person.pk).update(active=False)
    with time_machine.travel(NOW, tick=False):
        assert contact_person_anonymise(
            contact_person_id=person.pk, now=NOW, months=24, trigger="command"
        )
    person = ContactPerson.objects.select_related("user", "region").get(pk=person.pk)
    assert person.is_anonymised and not person.active and not person.user.is_active
    return person


def assert_still_anonymised(person):
    person = ContactPerson.objects.select_related("user").get(pk=person.pk)
    assert person.is_anonymised
    assert not person.active and not person.user.is_active
    assert not person.user.has_usable_password()
    assert not person.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).exists()


def test_is_anonymised_tells_an_anonymised_contact_person_from_an_inactive_one(anonymised, contact):
    assert anonymised.user.email.endswith("@" + ANONYMISED_EMAIL_DOMAIN)
    assert anonymised.is_anonymised
    ContactPerson.objects.filter(user=contact).update(active=False)
    assert not ContactPerson.objects.get(user=contact).is_anonymised


def test_the_staff_service_refuses_to_reactivate_and_records_nothing(anonymised, staff_user):
    with pytest.raises(ValidationError) as refused:
        region_contact_reactivate(contact_person=anonymised, actor=staff_user)
    assert refused.value.code == "anonymised"
    assert REFUSED_REACTIVATION in refused.value.messages[0]
    assert "Registrera en ny kontaktperson i stället." in refused.value.messages[0]
    with pytest.raises(ValidationError):
        contact_person_reactivate(contact_person=anonymised)
    assert not AuditEvent.objects.filter(data__change="reactivated").exists()
    assert_still_anonymised(anonymised)


def test_an_inactive_contact_person_who_is_not_anonymised_can_still_be_reactivated(
    contact, staff_user
):
    person = contact.contact_person
    ContactPerson.objects.filter(pk=person.pk).update(active=False)
    region_contact_reactivate(contact_person=person, actor=staff_user)
    person.refresh_from_db()
    assert person.active


def test_the_admin_action_refuses_with_the_message(
    staff_client, anonymised, django_capture_on_commit_callbacks
):
    listing = text(staff_client.get(ADMIN_LIST))
    assert "Anonymiserad: kan inte bjudas in eller återaktiveras" in listing

    for action, refusal in (
        ("reactivate", REFUSED_REACTIVATION),
        ("send_new_invitation", REFUSED_INVITATION),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                ADMIN_LIST,
                {"action": action, "_selected_action": [anonymised.pk]},
                follow=True,
            )
        page = text(response)
        assert response.status_code == 200
        assert refusal in page, action
        assert "är aktiv igen" not in page and "En ny inbjudan skickas" not in page
    assert_still_anonymised(anonymised)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CONTACT_CHANGED).exists()
    assert mail.outbox == []


def test_the_staff_area_offers_no_action_and_refuses_a_crafted_post(
    staff_client, anonymised, django_capture_on_commit_callbacks
):
    def url(name, **kwargs):
        return reverse(
            f"staff:{name}",
            kwargs={"round_slug": "2019", "region_slug": anonymised.region.slug, **kwargs},
        )

    page = text(staff_client.get(url("contacts")))
    assert "Anonymiserad kontaktperson" in page
    assert "Anonymiserad enligt gallringsplanen" in page
    for name in ("contact_invite", "contact_deactivate", "contact_replace"):
        assert url(name, pk=anonymised.pk) not in page, name
    assert "Återaktivera" not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url("contact_invite", pk=anonymised.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("contacts")
    assert REFUSED_INVITATION in text(response)
    assert "En ny inbjudan skickas" not in text(response)

    response = staff_client.post(url("contact_deactivate", pk=anonymised.pk))
    assert response.status_code == 400
    response = staff_client.post(
        url("contact_replace", pk=anonymised.pk),
        {"full_name": "Ny Person", "email": "ny.person@example.se", "role": "main"},
    )
    assert response.status_code == 400
    assert "redan inaktiverad" in text(response)
    assert_still_anonymised(anonymised)
    assert mail.outbox == []


def test_no_invitation_can_be_made_or_used(anonymised, staff_user):
    with pytest.raises(ValidationError) as refused:
        region_contact_invite(contact_person=anonymised, actor=staff_user)
    assert refused.value.code == "anonymised"
    with pytest.raises(ValidationError):
        invitation_create(contact_person=anonymised, created_by=None)

    # Even an invitation that escaped the revocation (made directly in the database) is refused.
    stray = Invitation.objects.create(
        contact_person=anonymised, expires_at=NOW + datetime.timedelta(days=3650)
    )
    with pytest.raises(ValidationError):
        invitation_accept(invitation=stray, password="Ett-Nytt-Losenord-2024")
    stray.refresh_from_db()
    assert stray.used_at is None
    stray.delete()
    assert_still_anonymised(anonymised)


def test_the_invitation_link_page_refuses(client, anonymised):
    stray = Invitation.objects.create(
        contact_person=anonymised, expires_at=NOW + datetime.timedelta(days=3650)
    )
    path = reverse("regions:invitation_accept", kwargs={"token": invitation_token(stray)})
    assert client.get(path).status_code == 410
    response = client.post(
        path,
        {"new_password1": "Ett-Nytt-Losenord-2024", "new_password2": "Ett-Nytt-Losenord-2024"},
    )
    assert response.status_code == 410
    assert "_auth_user_id" not in client.session
    stray.delete()
    assert_still_anonymised(anonymised)


def test_new_link_and_password_reset_send_nothing(
    client, anonymised, before, django_capture_on_commit_callbacks
):
    for email in (before["email"], anonymised.user.email):
        with django_capture_on_commit_callbacks(execute=True):
            account_access_request(email=email)
            for name in ("regions:invitation_request", "password_reset"):
                response = client.post(reverse(name), {"email": email}, follow=True)
                assert response.redirect_chain[-1][0] == reverse("password_reset_done")
    assert mail.outbox == []
    assert not Invitation.objects.filter(contact_person=anonymised, revoked_at__isnull=True)

    # A reset link sent before the anonymisation no longer works.
    response = client.get(before["reset_path"], follow=True)
    assert "new_password1" not in response.content.decode()
    assert_still_anonymised(anonymised)


def test_the_old_password_no_longer_signs_in(client, anonymised, before):
    for email in (before["email"], anonymised.user.email):
        response = client.post(reverse("login"), {"username": email, "password": PASSWORD})
        assert "_auth_user_id" not in client.session, email
        assert response.status_code == 200
