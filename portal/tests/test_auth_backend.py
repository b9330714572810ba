"""The sign-in backend reads the signed-in user on every request: a change to the user counts at
once, and sessions signed in through Django's own ModelBackend stay signed in."""

from unittest import mock

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.auth import BACKEND_PATH, LEGACY_BACKEND_PATH, ModelBackend
from regions.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def start_page(client):
    return client.get(reverse("inventories:start", args=["region-skane"]))


def signed_in(client, contact):
    response = client.post(reverse("login"), {"username": contact.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == BACKEND_PATH
    assert start_page(client).status_code == 200
    return client


def test_the_backend_reads_the_user_as_django_does(contact):
    backend = ModelBackend()
    assert backend.get_user(contact.pk) == contact
    assert backend.get_user(str(contact.pk)).email == contact.email
    assert backend.get_user(contact.pk + 1000) is None
    assert backend.get_user("x") is None
    contact.is_active = False
    contact.save()
    assert backend.get_user(contact.pk) is None


def test_a_deactivated_user_is_signed_out_at_the_next_request(client, contact):
    signed_in(client, contact)
    contact.is_active = False
    contact.save(update_fields=["is_active"])
    response = start_page(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_changed_password_signs_out_at_the_next_request(client, contact):
    signed_in(client, contact)
    contact.set_password("Ett-Helt-Annat-Losenord-99")
    contact.save(update_fields=["password"])
    response = start_page(client)
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_a_deleted_user_is_signed_out_at_the_next_request(client, contact):
    signed_in(client, contact)
    contact.delete()
    response = start_page(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_user_is_read_in_one_query(client, contact):
    signed_in(client, contact)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 302
    user_queries = [q["sql"] for q in queries.captured_queries if '"portal_user"' in q["sql"]]
    assert len(user_queries) == 1


def test_a_failed_sign_in_hashes_the_password_once(client, contact):
    with (
        mock.patch(
            "django.contrib.auth.base_user.check_password", side_effect=lambda *a, **k: False
        ) as check,
        mock.patch("django.contrib.auth.base_user.make_password", wraps=make_password) as dummy,
    ):
        client.post(reverse("login"), {"username": contact.email, "password": "fel"})
        client.post(reverse("login"), {"username": "ingen@example.se", "password": "fel"})
    assert check.call_count == 1  # the known address: its hash, once
    assert dummy.call_count == 1  # the unknown address: the dummy hash, once


def test_a_session_of_djangos_model_backend_stays_signed_in(client, contact):
    session = client.session
    session[SESSION_KEY] = str(contact.pk)
    session[BACKEND_SESSION_KEY] = LEGACY_BACKEND_PATH
    session[HASH_SESSION_KEY] = contact.get_session_auth_hash()
    session.save()
    client.cookies["sessionid"] = session.session_key

    assert start_page(client).status_code == 200
    assert client.session[BACKEND_SESSION_KEY] == BACKEND_PATH
    assert start_page(client).status_code == 200


def test_the_users_query_also_says_whether_they_are_handlaggare(staff_user, contact):
    backend = ModelBackend()
    with CaptureQueriesContext(connection) as queries:
        staff, person = backend.get_user(staff_user.pk), backend.get_user(contact.pk)
        assert staff.is_handlaggare is True and person.is_handlaggare is False
    assert len(queries) == 2  # one each: the group is asked in the same query
    staff_user.groups.clear()
    assert backend.get_user(staff_user.pk).is_handlaggare is False


def _session_with_device(client, user, persistent_id):
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = persistent_id
    session.save()


@pytest.mark.parametrize(
    "case",
    ["own confirmed", "own unconfirmed", "someone else's", "unknown id", "not a device", "garbled"],
)
def test_the_second_factor_device_is_read_as_django_otp_reads_it(client, staff_user, case):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from regions.tests.factories import StaffUserFactory

    own = TOTPDevice.objects.create(
        user=staff_user, name="App", confirmed=case != "own unconfirmed"
    )
    other = TOTPDevice.objects.create(user=StaffUserFactory(), name="App", confirmed=True)
    persistent_id = {
        "own confirmed": own.persistent_id,
        "own unconfirmed": own.persistent_id,
        "someone else's": other.persistent_id,
        "unknown id": f"otp_totp.totpdevice/{other.pk + 1000}",
        "not a device": f"portal.user/{staff_user.pk}",
        "garbled": "otp_totp.totpdevice/x",
    }[case]
    _session_with_device(client, staff_user, persistent_id)
    response = client.get(reverse("staff:board", args=["2019"]))
    if case == "own confirmed":
        assert response.status_code == 200
        assert client.session[DEVICE_ID_SESSION_KEY] == own.persistent_id
    else:
        # Not verified: sent to the second factor, and the session forgets the device.
        assert response.status_code == 302
        assert DEVICE_ID_SESSION_KEY not in client.session
