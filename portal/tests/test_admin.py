"""Staff manage users in the admin with the Handläggare group's permissions."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal.models import STAFF_GROUP_NAME, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_staff_see_users_with_name_language_and_staff_flag(staff_client, contact):
    response = staff_client.get(reverse("admin:portal_user_changelist"), {"q": contact.email})
    html = response.content.decode()
    assert response.status_code == 200
    assert contact.email in html
    assert contact.full_name in html


def test_staff_add_a_colleague_to_the_handlaggare_group(staff_client):
    response = staff_client.post(
        reverse("admin:portal_user_add"),
        {
            "email": "Ny.Kollega@Tillvaxtverket.example.se",
            "full_name": "Ny Kollega",
            "language": "sv",
            "usable_password": "false",
            "_save": "Spara",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(full_name="Ny Kollega")
    assert user.email == "ny.kollega@tillvaxtverket.example.se"
    assert not user.has_usable_password()

    group = Group.objects.get(name=STAFF_GROUP_NAME)
    change_url = reverse("admin:portal_user_change", args=[user.pk])
    response = staff_client.post(
        change_url,
        {
            "email": user.email,
            "full_name": user.full_name,
            "language": "en",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",  # ignored: only a superuser may grant it
            "groups": [group.pk],
            "date_joined_0": "2019-10-01",
            "date_joined_1": "08:00:00",
            "_save": "Spara",
        },
    )
    assert response.status_code == 302, response.content.decode()
    user.refresh_from_db()
    assert user.is_staff
    assert user.language == "en"
    assert not user.is_superuser
    assert user.is_handlaggare


def test_two_accounts_cannot_share_an_address_in_any_case(staff_client, contact):
    response = staff_client.post(
        reverse("admin:portal_user_add"),
        {
            "email": contact.email.upper(),
            "full_name": "Dubblett",
            "language": "sv",
            "usable_password": "false",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(full_name="Dubblett").exists()
