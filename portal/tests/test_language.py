"""Swedish first: Swedish whatever the browser asks for, English only when chosen."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_swedish_even_when_the_browser_prefers_english(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert '<html lang="sv">' in response.content.decode()


def test_choosing_english_switches_pages_and_the_users_email_language(client, contact):
    client.force_login(contact)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("accessibility")}
    )
    assert response.status_code == 302
    page = client.get(reverse("accessibility")).content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Accessibility statement</h1>" in page
    contact.refresh_from_db()
    assert contact.language == "en"
    client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    contact.refresh_from_db()
    assert contact.language == "sv"
    assert '<html lang="sv">' in client.get(reverse("accessibility")).content.decode()
