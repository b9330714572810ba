"""The invitation journey through the test client, following the link in the e-mail."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from regions.models import Invitation
from regions.tests.conftest import invitation_path_in

pytestmark = pytest.mark.django_db

PASSWORD = "Hallbar-Utveckling-2020"
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
REGION_PAGE = "/region/region-skane/"


def choose_password(client, path, password=PASSWORD, repeat=None):
    return client.post(
        path,
        {"new_password1": password, "new_password2": repeat or password},
        follow=True,
    )


def test_invitation_link_from_the_e_mail_to_the_region_page(client, register):
    register()
    path = invitation_path_in(mail.outbox[0])

    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Välkommen till behovsinventeringen</h1>" in html
    assert "Hej Karin Kontakt!" in html
    assert "kontaktperson för Region Skåne" in html
    assert "karin.kontakt@skane.example.se" in html

    response = choose_password(client, path)
    assert response.redirect_chain[-1][0] == REGION_PAGE
    html = response.content.decode()
    assert "<h1>Region Skåne</h1>" in html
    assert "Ditt lösenord är sparat och du är inloggad" in html
    assert response.context["user"].email == "karin.kontakt@skane.example.se"

    # The chosen password is the one to sign in with from now on.
    client.post(reverse("logout"))
    response = client.post(
        reverse("login"),
        {"username": "karin.kontakt@skane.example.se", "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == REGION_PAGE


def test_a_used_link_is_refused_with_a_clear_page(client, register):
    contact_person = register()
    path = invitation_path_in(mail.outbox[0])
    choose_password(client, path)
    client.post(reverse("logout"))

    response = client.get(path)
    assert response.status_code == 410
    html = response.content.decode()
    assert "<h1>Länken har redan använts</h1>" in html
    assert reverse("login") in html

    response = client.post(
        path, {"new_password1": "Kapad-Inloggning-42", "new_password2": "Kapad-Inloggning-42"}
    )
    assert response.status_code == 410
    contact_person.user.refresh_from_db()
    assert contact_person.user.check_password(PASSWORD)
    assert "_auth_user_id" not in client.session


def test_an_expired_link_is_refused_and_a_new_one_can_be_asked_for(
    client, register, django_capture_on_commit_callbacks
):
    register()
    path = invitation_path_in(mail.outbox[0])

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(path)
        assert response.status_code == 410
        html = response.content.decode()
        assert "<h1>Länken har slutat gälla</h1>" in html
        assert "gäller i 7 dagar" in html
        assert 'value="karin.kontakt@skane.example.se"' in html
        assert reverse("regions:invitation_request") in html

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("regions:invitation_request"),
                {"email": "karin.kontakt@skane.example.se"},
                follow=True,
            )
        assert response.redirect_chain[-1][0] == reverse("password_reset_done")
        assert "<h1>Kolla din e-post</h1>" in response.content.decode()
        assert len(mail.outbox) == 2
        new_path = invitation_path_in(mail.outbox[1])
        assert new_path != path
        assert client.get(path).status_code == 410
        response = choose_password(client, new_path)
        assert response.redirect_chain[-1][0] == REGION_PAGE


def test_a_tampered_link_is_refused_with_a_clear_page(client, register):
    register()
    path = invitation_path_in(mail.outbox[0])
    tampered = path[:-2] + ("A" if path[-2] != "A" else "B") + "/"

    response = client.get(tampered)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>Länken fungerar inte</h1>" in html
    assert "ofullständig eller har ändrats" in html
    assert "karin.kontakt" not in html
    assert choose_password(client, tampered).status_code == 400
    assert Invitation.objects.get().is_usable


def test_an_older_link_stops_working_when_staff_send_a_new_one(
    client, register, staff_user, django_capture_on_commit_callbacks
):
    from regions.services import invitation_create

    contact_person = register()
    old_path = invitation_path_in(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(contact_person=contact_person, created_by=staff_user)

    response = client.get(old_path)
    assert response.status_code == 410
    assert "<h1>Länken har ersatts</h1>" in response.content.decode()
    assert client.get(invitation_path_in(mail.outbox[1])).status_code == 200


def test_password_mistakes_are_listed_at_the_top_and_the_link_keeps_working(client, register):
    register()
    path = invitation_path_in(mail.outbox[0])

    response = choose_password(client, path, repeat="Nagot-Annat-2020")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Det finns fel att rätta" in html
    assert '<a href="#id_new_password2">' in html
    assert "Lösenorden är inte likadana" in html

    response = choose_password(client, path, password="kort")
    assert "Det finns fel att rätta" in response.content.decode()
    assert Invitation.objects.get().is_usable
    assert choose_password(client, path).redirect_chain[-1][0] == REGION_PAGE


def test_asking_for_a_new_link_answers_the_same_for_unknown_addresses(
    client, register, django_capture_on_commit_callbacks
):
    register()
    answers = []
    for email in ("ingen.alls@example.se", "karin.kontakt@skane.example.se"):
        with (
            time_machine.travel(timezone.now() + timedelta(minutes=10)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(
                reverse("regions:invitation_request"), {"email": email}, follow=True
            )
        assert response.redirect_chain[-1][0] == reverse("password_reset_done")
        answers.append(CSRF_TOKEN.sub("", response.content.decode()))
    assert answers[0] == answers[1]
    assert [m.to for m in mail.outbox] == [["karin.kontakt@skane.example.se"]] * 2


def test_the_new_link_page_explains_and_lists_errors(client):
    page = client.get(reverse("regions:invitation_request"))
    assert page.status_code == 200
    assert "<h1>Be om en ny inbjudningslänk</h1>" in page.content.decode()

    response = client.post(reverse("regions:invitation_request"), {"email": "inte-en-adress"})
    html = response.content.decode()
    assert "Det finns fel att rätta" in html
    assert '<a href="#id_email">' in html
    assert "namn@exempel.se" in html
