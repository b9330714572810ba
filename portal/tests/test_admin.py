"""The user admin: handläggare never manage credentials or rights; every change is logged."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from portal.models import STAFF_GROUP_NAME, User
from regions.tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(email="chef@example.se", is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


def account_state(user):
    """Everything about an account that is a credential or a right."""
    user = User.objects.filter(pk=user.pk).first()
    if user is None:
        return None
    return {
        "password": user.password,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("pk", flat=True)),
        "user_permissions": sorted(user.user_permissions.values_list("pk", flat=True)),
    }


def groups_state():
    return {
        group.name: sorted(group.permissions.values_list("pk", flat=True))
        for group in Group.objects.order_by("pk")
    }


def admin_urls(model, target_pk):
    """Every URL the admin has for ``model``, with ``target_pk`` for the per-object ones."""
    model_admin = admin.site._registry[model]
    urls = []
    for pattern in model_admin.get_urls():
        if not pattern.name:
            continue  # the catch-all redirect from "<id>/" to "<id>/change/"
        converters = pattern.pattern.converters
        kwargs = {}
        if "object_id" in converters or "id" in str(pattern.pattern):
            key = "object_id" if "object_id" in str(pattern.pattern) else "id"
            kwargs[key] = target_pk
        urls.append(reverse(f"admin:{pattern.name}", kwargs=kwargs))
    return urls


def hostile_post(targets, group, new_password="Kapad-Av-Handlaggare-1"):
    """Everything a handläggare might send to take over or raise an account."""
    all_permissions = list(Permission.objects.values_list("pk", flat=True))
    return {
        "email": "angripare@example.se",
        "full_name": "Kapad",
        "language": "sv",
        "password": "x",
        "password1": new_password,
        "password2": new_password,
        "usable_password": "true",
        "set-password": "1",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [group.pk],
        "user_permissions": all_permissions,
        "name": group.name,
        "permissions": all_permissions,
        "action": "delete_selected",
        "_selected_action": [t.pk for t in targets],
        "post": "yes",
        "date_joined_0": "2019-10-01",
        "date_joined_1": "08:00:00",
        "_save": "Spara",
    }


def test_no_admin_url_lets_a_handlaggare_change_credentials_or_rights(
    staff_client, staff_user, superuser, contact
):
    colleague = StaffUserFactory(email="kollega@example.se")
    plain = UserFactory(email="utan-roll@example.se")
    group = Group.objects.get(name=STAFF_GROUP_NAME)
    targets = [superuser, colleague, contact, plain, staff_user]
    before = {t.pk: account_state(t) for t in targets}
    groups_before = groups_state()
    visited = []

    for target in targets:
        for url in admin_urls(User, target.pk) + admin_urls(Group, group.pk):
            for method in ("get", "post"):
                call = getattr(staff_client, method)
                if method == "get":
                    response = call(url)
                else:
                    response = call(url, hostile_post(targets, group))
                assert response.status_code != 500, url
                visited.append((method, url))

    assert {url for _m, url in visited} >= {
        reverse("admin:auth_user_password_change", args=[contact.pk]),
        reverse("admin:portal_user_change", args=[superuser.pk]),
        reverse("admin:portal_user_add"),
        reverse("admin:portal_user_delete", args=[contact.pk]),
        reverse("admin:portal_user_changelist"),
        reverse("admin:auth_group_change", args=[group.pk]),
        reverse("admin:auth_group_add"),
    }
    for target in targets:
        assert account_state(target) == before[target.pk], target.email
    assert groups_state() == groups_before
    assert not User.objects.filter(email="angripare@example.se").exists()
    assert User.objects.count() == len(targets)


def test_a_handlaggare_cannot_open_the_password_form_of_anyone(staff_client, contact, superuser):
    for user in (contact, superuser):
        url = reverse("admin:auth_user_password_change", args=[user.pk])
        assert staff_client.get(url).status_code == 403


def test_staff_and_superuser_accounts_are_invisible_to_a_handlaggare(
    staff_client, superuser, contact
):
    colleague = StaffUserFactory(email="kollega@example.se")
    response = staff_client.get(reverse("admin:portal_user_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert contact.email in html
    assert superuser.email not in html
    assert colleague.email not in html
    response = staff_client.get(reverse("admin:portal_user_change", args=[superuser.pk]))
    assert response.status_code == 302  # "does not exist", back to the admin index


def test_a_handlaggare_corrects_a_contact_persons_name_and_it_is_logged(
    staff_client, staff_user, contact
):
    url = reverse("admin:portal_user_change", args=[contact.pk])
    page = staff_client.get(url).content.decode()
    assert 'name="full_name"' in page
    assert 'name="email"' not in page
    assert "password/" not in page

    response = staff_client.post(
        url,
        {"full_name": "Rättat Namn", "language": "en", "email": "ny@example.se", "_save": "Spara"},
    )
    assert response.status_code == 302, response.content.decode()
    contact.refresh_from_db()
    assert contact.full_name == "Rättat Namn"
    assert contact.email != "ny@example.se"
    entry = LogEntry.objects.get(object_id=str(contact.pk), action_flag=CHANGE)
    assert entry.user == staff_user
    assert "fullständigt namn" in entry.get_change_message().lower()


def test_a_superuser_adds_a_colleague_to_the_handlaggare_group(superuser_client, superuser):
    response = superuser_client.post(
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
    response = superuser_client.post(
        reverse("admin:portal_user_change", args=[user.pk]),
        {
            "email": user.email,
            "full_name": user.full_name,
            "language": "en",
            "is_active": "on",
            "is_staff": "on",
            "groups": [group.pk],
            "date_joined_0": "2019-10-01",
            "date_joined_1": "08:00:00",
            "_save": "Spara",
        },
    )
    assert response.status_code == 302, response.content.decode()
    user.refresh_from_db()
    assert user.is_staff
    assert user.is_handlaggare
    entries = LogEntry.objects.filter(object_id=str(user.pk), user=superuser)
    assert entries.count() == 2  # added, then changed (staff flag and group)


def test_a_superusers_password_change_is_logged(superuser_client, superuser, contact):
    url = reverse("admin:auth_user_password_change", args=[contact.pk])
    response = superuser_client.post(
        url,
        {
            "password1": "Ny-Hallbar-Region-2020",
            "password2": "Ny-Hallbar-Region-2020",
            "usable_password": "true",
            "set-password": "1",
        },
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get(object_id=str(contact.pk))
    assert entry.user == superuser
    assert "lösenord" in entry.get_change_message().lower() or "password" in (
        entry.get_change_message().lower()
    )


def test_a_superuser_reads_the_account_log(superuser_client):
    assert superuser_client.get(reverse("admin:admin_logentry_changelist")).status_code == 200


def test_a_handlaggare_does_not_read_the_account_log(staff_client):
    assert staff_client.get(reverse("admin:admin_logentry_changelist")).status_code == 403


def test_two_accounts_cannot_share_an_address_in_any_case(superuser_client, contact):
    response = superuser_client.post(
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
