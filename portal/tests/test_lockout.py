"""django-axes: 5 failed sign-ins for one account from one address lock that pair for 15 minutes."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from regions.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS = "192.0.2.10"
OTHER_ADDRESS = "198.51.100.7"


def sign_in(client, email, password, address=ADDRESS):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def fail_five_times(client, email):
    responses = [sign_in(client, email, f"fel-losenord-{n}") for n in range(5)]
    assert [r.status_code for r in responses[:4]] == [200] * 4
    return responses[-1]


def assert_lockout_page(response):
    assert response.status_code == 429
    html = response.content.decode()
    assert "<h1>För många misslyckade inloggningar</h1>" in html
    assert "Försök igen om 15 minuter." in html
    assert reverse("password_reset") in html
    assert '<html lang="sv">' in html


def test_five_failures_lock_the_account_from_that_address(client, contact):
    assert_lockout_page(fail_five_times(client, contact.email))

    # Even the right password is refused during the cool-off.
    response = sign_in(client, contact.email, PASSWORD)
    assert_lockout_page(response)
    assert "_auth_user_id" not in client.session


def test_another_address_is_not_affected(client, contact):
    fail_five_times(client, contact.email)
    response = sign_in(client, contact.email, PASSWORD, address=OTHER_ADDRESS)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_another_account_from_the_same_address_is_not_affected(client, contact, other_contact):
    fail_five_times(client, contact.email)
    response = sign_in(client, other_contact.email, PASSWORD)
    assert response.status_code == 302


def test_sign_in_works_again_after_fifteen_minutes(client, contact):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail_five_times(client, contact.email)
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        response = sign_in(client, contact.email, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_trying_again_during_the_lockout_starts_the_fifteen_minutes_over(client, contact):
    # django-axes' default (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT): the page always
    # says "15 minuter", counted from the latest attempt.
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail_five_times(client, contact.email)
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert_lockout_page(sign_in(client, contact.email, PASSWORD))
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert_lockout_page(sign_in(client, contact.email, PASSWORD))
    with time_machine.travel(start + timedelta(minutes=31, seconds=1), tick=False):
        assert sign_in(client, contact.email, PASSWORD).status_code == 302


def test_choosing_a_new_password_by_e_mail_lifts_the_lockout(
    client, contact, django_capture_on_commit_callbacks
):
    fail_five_times(client, contact.email)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": contact.email}, REMOTE_ADDR=ADDRESS)
    path = re.search(r"/konto/losenord/aterstall/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    set_password_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(
        set_password_url,
        {"new_password1": "Ny-Hallbar-Region-2020", "new_password2": "Ny-Hallbar-Region-2020"},
    )

    response = sign_in(client, contact.email, "Ny-Hallbar-Region-2020")
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_five_failures_in_one_spelling_lock_every_spelling(client, contact):
    shouted = contact.email.upper()
    assert_lockout_page(fail_five_times(client, shouted))

    for spelling in (contact.email, contact.email.title(), f"  {contact.email.capitalize()} "):
        response = sign_in(client, spelling, PASSWORD)
        assert_lockout_page(response)
    assert "_auth_user_id" not in client.session


def test_failures_in_mixed_spellings_add_up_to_one_lockout(client, contact):
    spellings = [contact.email, contact.email.upper(), contact.email.title()]
    for n in range(4):
        assert sign_in(client, spellings[n % 3], f"fel-{n}").status_code == 200
    assert_lockout_page(sign_in(client, spellings[1], "fel-5"))
    assert_lockout_page(sign_in(client, contact.email, PASSWORD))
