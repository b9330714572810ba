"""Staff confirm every sign-in with a TOTP app (or a backup code); contact persons do not."""

import base64
import re
import time

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.services import second_factor_reset
from regions.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def totp_code(key: bytes, *, steps_ahead=0) -> str:
    """The code an authenticator app shows for ``key`` now (or ``steps_ahead`` × 30 s later)."""
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in(client, user):
    return client.post(
        reverse("login"), {"username": user.email, "password": PASSWORD}, follow=True
    )


def enrol(client):
    """Read the key off the enrolment page as a person would type it, confirm with a code."""
    page = client.get(reverse("second_factor_enrol")).content.decode()
    secret = re.search(r'data-testid="totp-secret"><code>([A-Z2-7 ]+)</code>', page).group(1)
    key = base64.b32decode(secret.replace(" ", ""))
    response = client.post(reverse("second_factor_enrol"), {"token": totp_code(key)}, follow=True)
    return key, response


@pytest.fixture
def superuser(db):
    return UserFactory(email="chef@example.se", is_staff=True, is_superuser=True)


def test_a_new_handlaggare_enrols_at_the_first_sign_in(client, staff_user):
    response = sign_in(client, staff_user)
    path = response.redirect_chain[-1][0]
    assert path.startswith(reverse("second_factor_enrol"))
    html = response.content.decode()
    assert "<h1>Aktivera tvåstegsverifiering</h1>" in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert "QR-kod" in html
    assert client.get(reverse("staff:home")).status_code == 302  # not yet

    wrong = client.post(reverse("second_factor_enrol"), {"token": "000000"})
    assert wrong.status_code == 200
    assert "Koden stämmer inte" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=staff_user, confirmed=True).exists()

    _key, response = enrol(client)
    assert response.redirect_chain[0][0].startswith(reverse("second_factor_backup_codes"))
    html = response.content.decode()
    assert "<h1>Tvåstegsverifieringen är aktiverad</h1>" in html
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", html)
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=staff_user).confirmed
    assert client.get(reverse("staff:home"), follow=True).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200
    # The codes are shown once.
    assert (
        "<code>"
        not in client.get(reverse("second_factor_backup_codes"), follow=True).content.decode()
    )


def test_every_later_sign_in_asks_for_a_code(client, staff_user):
    sign_in(client, staff_user)
    key, _ = enrol(client)
    client.post(reverse("logout"))

    response = sign_in(client, staff_user)
    assert response.redirect_chain[-1][0].startswith(reverse("second_factor_verify"))
    assert "<h1>Bekräfta inloggningen</h1>" in response.content.decode()
    assert (
        client.get(reverse("admin:index"), follow=True)
        .redirect_chain[-1][0]
        .startswith(reverse("second_factor_verify"))
    )

    wrong = client.post(reverse("second_factor_verify"), {"token": "123456"})
    assert "Koden stämmer inte" in wrong.content.decode()
    # After a wrong code the next try must wait a second (django-otp's throttling). The code of
    # the enrolment cannot be used twice; the app's next code works.
    with time_machine.travel(time.time() + 2, tick=False):
        response = client.post(
            reverse("second_factor_verify"),
            {"token": totp_code(key, steps_ahead=1), "next": reverse("admin:index")},
        )
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_backup_code_works_once(client, staff_user):
    sign_in(client, staff_user)
    _key, response = enrol(client)
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    for attempt in range(2):
        client.post(reverse("logout"))
        sign_in(client, staff_user)
        response = client.post(reverse("second_factor_verify"), {"token": codes[0]}, follow=True)
        if attempt == 0:
            assert response.redirect_chain[-1][0].startswith(reverse("staff:home"))
            assert "9 reservkoder kvar" in response.content.decode()
        else:
            assert "Koden stämmer inte" in response.content.decode()


def test_a_password_alone_cannot_enrol_a_second_phone(client, staff_user):
    TOTPDevice.objects.create(user=staff_user, name="Telefon", confirmed=True)
    sign_in(client, staff_user)
    response = client.get(reverse("second_factor_enrol"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("second_factor_verify"))
    assert TOTPDevice.objects.filter(user=staff_user).count() == 1


def test_superusers_also_confirm_their_sign_in(client, superuser):
    response = sign_in(client, superuser)
    assert response.redirect_chain[-1][0].startswith(reverse("second_factor_enrol"))
    assert (
        client.get(reverse("admin:index"), follow=True)
        .redirect_chain[-1][0]
        .startswith(reverse("second_factor_enrol"))
    )


def test_contact_persons_sign_in_with_their_password_only(client, contact):
    response = sign_in(client, contact)
    assert response.redirect_chain[-1][0] == reverse("inventories:start", args=["region-skane"])
    assert client.get(reverse("second_factor_enrol")).status_code == 404
    assert client.get(reverse("second_factor_verify")).status_code == 302


def test_a_superuser_resets_a_lost_phone_and_it_is_logged(client, superuser, staff_user):
    TOTPDevice.objects.create(user=staff_user, name="Telefon", confirmed=True)
    StaticDevice.objects.create(user=staff_user, name="Reservkoder")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:portal_user_changelist"),
        {"action": "second_factor_reset", "_selected_action": [staff_user.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=staff_user).exists()
    assert not StaticDevice.objects.filter(user=staff_user).exists()
    entry = LogEntry.objects.get(object_id=str(staff_user.pk))
    assert entry.user == superuser
    assert "Tvåstegsverifieringen återställd" in entry.get_change_message()

    client.post(reverse("logout"))
    assert (
        sign_in(client, staff_user).redirect_chain[-1][0].startswith(reverse("second_factor_enrol"))
    )


def test_only_a_superuser_may_reset(client, staff_user, contact):
    colleague = UserFactory(email="kollega@example.se", is_staff=True)
    TOTPDevice.objects.create(user=colleague, name="Telefon", confirmed=True)
    with pytest.raises(PermissionDenied):
        second_factor_reset(user=colleague, actor=staff_user)
    client.force_login(staff_user)
    page = client.get(reverse("admin:portal_user_changelist")).content.decode()
    assert "second_factor_reset" not in page
    client.post(
        reverse("admin:portal_user_changelist"),
        {"action": "second_factor_reset", "_selected_action": [contact.pk, colleague.pk]},
    )
    assert TOTPDevice.objects.filter(user=colleague).exists()


def test_seed_demo_prints_how_the_demo_handlaggare_signs_in(client):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "handlaggare@example.se / Behovsinventering-2019" in out.getvalue()
    assert "demo-kod-01" in out.getvalue()

    client.post(
        reverse("login"),
        {"username": "handlaggare@example.se", "password": "Behovsinventering-2019"},
    )
    response = client.post(reverse("second_factor_verify"), {"token": "demo-kod-01"})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    # Used up; the next run of seed_demo restores it.
    call_command("seed_demo", stdout=StringIO())
    assert StaticDevice.objects.get(user__email="handlaggare@example.se").token_set.count() == 10


def test_staff_change_their_password_only_after_the_second_factor(client, staff_user, contact):
    client.force_login(staff_user, second_factor=False)
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("second_factor_verify"))
    client.force_login(staff_user)
    assert client.get(reverse("password_change")).status_code == 200
    client.force_login(contact)
    assert client.get(reverse("password_change")).status_code == 200
