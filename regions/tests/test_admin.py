"""Staff (the Handläggare group, not superusers) manage contact persons in the admin."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse

from regions.models import ContactPerson, Invitation, Region
from regions.tests.conftest import invitation_path_in

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:regions_contactperson_add")
LIST_URL = reverse("admin:regions_contactperson_changelist")


@pytest.fixture
def staff_client(client, staff_user):
    assert not staff_user.is_superuser
    client.force_login(staff_user)
    return client


def run_action(client, capture, action, *contact_persons):
    with capture(execute=True):
        return client.post(
            LIST_URL,
            {"action": action, "_selected_action": [cp.pk for cp in contact_persons]},
            follow=True,
        )


def test_staff_register_a_contact_person_with_one_form(
    staff_client, staff_user, region, django_capture_on_commit_callbacks
):
    page = staff_client.get(ADD_URL)
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("Fullständigt namn", "E-postadress", "Region", "Roll"):
        assert label in html

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            ADD_URL,
            {
                "full_name": "Erik Ersättare",
                "email": "Erik.Ersattare@Skane.example.se",
                "region": region.pk,
                "role": ContactPerson.Role.DEPUTY,
                "_save": "Spara",
            },
            follow=True,
        )
    assert response.redirect_chain[-1][0] == LIST_URL
    assert "En inbjudan skickas till erik.ersattare@skane.example.se." in (
        response.content.decode()
    )

    contact_person = ContactPerson.objects.get(user__email="erik.ersattare@skane.example.se")
    assert contact_person.region == region
    assert contact_person.role == ContactPerson.Role.DEPUTY
    assert contact_person.user.full_name == "Erik Ersättare"
    assert not contact_person.user.has_usable_password()
    invitation = contact_person.invitations.get()
    assert invitation.created_by == staff_user
    [message] = mail.outbox
    assert message.to == ["erik.ersattare@skane.example.se"]
    assert "ersättare för Region Skåne" in message.body
    assert LogEntry.objects.filter(object_id=str(contact_person.pk)).exists()

    # The link in the e-mail works.
    staff_client.logout()
    assert staff_client.get(invitation_path_in(message)).status_code == 200


def test_an_address_that_already_has_an_account_is_refused_in_the_form(
    staff_client, contact, region
):
    response = staff_client.post(
        ADD_URL,
        {
            "full_name": "Dubbel",
            "email": contact.email.upper(),
            "region": region.pk,
            "role": "main",
        },
    )
    assert response.status_code == 200
    assert "Det finns redan ett konto med e-postadressen" in response.content.decode()
    assert ContactPerson.objects.count() == 1
    assert mail.outbox == []


def test_the_list_shows_region_role_activity_and_invitation_state(
    staff_client, contact, register, django_assert_max_num_queries
):
    register()
    response = staff_client.get(LIST_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Karin Kontakt" in html
    assert "Region Skåne" in html
    assert "Kontaktperson" in html
    assert "Skickad" in html
    assert "Har valt lösenord" in html

    # Adding contact persons does not add queries per row.
    for n in range(5):
        register(email=f"fler{n}@example.se")
    with django_assert_max_num_queries(20):
        assert staff_client.get(LIST_URL).status_code == 200


def test_action_send_new_invitation(
    staff_client, register, contact, django_capture_on_commit_callbacks
):
    contact_person = register()
    old_path = invitation_path_in(mail.outbox[0])

    response = run_action(
        staff_client,
        django_capture_on_commit_callbacks,
        "send_new_invitation",
        contact_person,
        contact.contact_person,
    )
    html = response.content.decode()
    assert "En ny inbjudan skickas till 1 kontaktperson" in html
    assert "har redan valt ett lösenord" in html
    assert contact_person.invitations.count() == 2
    assert len(mail.outbox) == 2
    staff_client.logout()
    assert staff_client.get(old_path).status_code == 410
    assert staff_client.get(invitation_path_in(mail.outbox[1])).status_code == 200


def test_action_deactivate_and_reactivate(
    staff_client, register, django_capture_on_commit_callbacks
):
    contact_person = register()
    response = run_action(
        staff_client, django_capture_on_commit_callbacks, "deactivate", contact_person
    )
    assert "1 kontaktperson är inaktiverad." in response.content.decode()
    contact_person.refresh_from_db()
    assert not contact_person.active
    assert contact_person.invitations.get().status == Invitation.Status.REVOKED

    response = run_action(
        staff_client, django_capture_on_commit_callbacks, "reactivate", contact_person
    )
    assert "1 kontaktperson är aktiv igen." in response.content.decode()
    contact_person.refresh_from_db()
    assert contact_person.active


def test_a_contact_person_is_changed_only_through_the_actions(staff_client, contact):
    """No second writer: the change form shows the contact person read-only, and a crafted
    POST changes nothing (region, role and active change through the audited services)."""
    person = contact.contact_person
    url = reverse("admin:regions_contactperson_change", args=[person.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    for field in ("active", "region", "role"):
        assert f'name="{field}"' not in page
    other = Region.objects.exclude(pk=person.region_id).first()
    staff_client.post(url, {"region": other.pk, "role": "deputy", "active": ""})
    person.refresh_from_db()
    assert (person.region_id, person.role, person.active) != (other.pk, "deputy", False)
    assert person.region_id != other.pk and person.active


def test_invitation_admin_shows_delivery_failures_read_only(
    staff_client, register, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    invitation = register().invitations.get()
    assert invitation.sent_at is None
    assert invitation.send_attempts >= 1

    response = staff_client.get(reverse("admin:regions_invitation_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kunde inte skickas" in html
    assert "ConnectionRefusedError" in html

    url = reverse("admin:regions_invitation_change", args=[invitation.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "ConnectionRefusedError" in html
    assert 'name="_save"' not in html
    assert invitation.nonce not in html
    assert staff_client.post(url, {}).status_code == 403
    assert staff_client.get(reverse("admin:regions_invitation_add")).status_code == 403


def test_region_admin_lists_and_searches(staff_client):
    response = staff_client.get(reverse("admin:regions_region_changelist"))
    html = response.content.decode()
    assert "Region Norrbotten" in html
    assert "Västra Götalandsregionen" in html
    response = staff_client.get(reverse("admin:regions_region_changelist"), {"q": "skåne"})
    html = response.content.decode()
    assert "Region Skåne" in html
    assert "Region Norrbotten" not in html
