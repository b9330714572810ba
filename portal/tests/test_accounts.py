"""Signing in and out, and choosing a new password by e-mail."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from regions.tests.factories import PASSWORD, ContactPersonFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Ny-Hallbar-Region-2020"
RESET_LINK = re.compile(r"https?://\S+(/konto/losenord/aterstall/[^/\s]+/[^/\s]+/)")


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(
        reverse("login"), {"username": email, "password": password}, follow=True, **extra
    )


def test_contact_person_signs_in_and_lands_on_own_region(client, contact):
    response = sign_in(client, contact.email.upper())
    assert response.redirect_chain[-1][0] == reverse("inventories:start", args=["region-skane"])
    assert "<h1>Region Skåne</h1>" in response.content.decode()


def test_staff_sign_in_and_land_in_the_staff_area(client, staff_user):
    response = sign_in(client, staff_user.email)
    urls = [url for url, _status in response.redirect_chain]
    assert urls[:2] == [reverse("home"), reverse("staff:home")]
    assert response.status_code == 200
    assert "Handläggarvy" in response.content.decode()


def test_a_wrong_password_is_explained_in_swedish(client, contact):
    response = sign_in(client, contact.email, "fel-losenord")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Inloggningen misslyckades" in html
    assert "Fel e-postadress eller lösenord" in html
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post_and_ends_the_session(client, contact):
    client.force_login(contact)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("inventories:start", args=["region-skane"])).status_code == 302


def test_password_reset_by_e_mail(client, contact, django_capture_on_commit_callbacks):
    page = client.get(reverse("password_reset"))
    assert "<h1>Glömt lösenordet?</h1>" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the e-mail is queued after commit
        response = client.post(reverse("password_reset"), {"email": contact.email}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("password_reset_done")
    assert "<h1>Kolla din e-post</h1>" in response.content.decode()

    [message] = mail.outbox
    assert message.to == [contact.email]
    assert message.subject == "Välj ett nytt lösenord – Tillväxtverkets behovsinventering"
    assert message.reply_to == ["behovsinventering@example.se"]
    assert "gäller i 3 dagar" in message.body
    assert message.alternatives[0][1] == "text/html"
    path = RESET_LINK.search(message.body).group(1)

    form_page = client.get(path, follow=True)
    assert "<h1>Välj ett nytt lösenord</h1>" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert "<h1>Lösenordet är sparat</h1>" in response.content.decode()

    assert sign_in(client, contact.email, PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session
    response = sign_in(client, contact.email, NEW_PASSWORD)
    assert response.redirect_chain[-1][0] == reverse("inventories:start", args=["region-skane"])

    # The link worked once.
    client.post(reverse("logout"))
    again = client.get(path, follow=True)
    assert "<h1>Länken fungerar inte</h1>" in again.content.decode()


def test_password_reset_for_an_unknown_address_looks_the_same(
    client, contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("password_reset"), {"email": contact.email}, follow=True)
        unknown = client.post(reverse("password_reset"), {"email": "okand@example.se"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert len(mail.outbox) == 1


def test_password_reset_sends_a_new_invitation_to_someone_who_has_no_password_yet(
    client, region, django_capture_on_commit_callbacks
):
    contact_person = ContactPersonFactory(region=region, user__password=None)
    assert not contact_person.user.has_usable_password()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("password_reset"), {"email": contact_person.user.email}, follow=True
        )
    assert response.redirect_chain[-1][0] == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.subject == "Inbjudan till Tillväxtverkets behovsinventering – Region Skåne"
    assert "/inbjudan/" in message.body


def test_password_reset_form_lists_errors_at_the_top(client):
    response = client.post(reverse("password_reset"), {"email": ""})
    html = response.content.decode()
    assert "Det finns fel att rätta" in html
    assert '<a href="#id_email">E-postadress: Skriv din e-postadress.</a>' in html
    assert html.count("<h1>") == 1


def test_password_change(client, contact):
    client.force_login(contact)
    page = client.get(reverse("password_change"))
    assert "<h1>Byt lösenord</h1>" in page.content.decode()

    wrong = client.post(
        reverse("password_change"),
        {"old_password": "fel", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Det nuvarande lösenordet stämmer inte" in wrong.content.decode()
    assert '<a href="#id_old_password">' in wrong.content.decode()

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    assert "<h1>Lösenordet är bytt</h1>" in response.content.decode()
    contact.refresh_from_db()
    assert contact.check_password(NEW_PASSWORD)
