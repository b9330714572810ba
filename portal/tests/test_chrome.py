"""The pages' frame (``{% chrome %}`` blocks of ``base.html``, rendered once per process and
language): each response still shows its own language, role, name, path and CSRF token."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_language_role_and_personal_parts_are_each_responses_own(client, contact, staff_user):
    page = reverse("accessibility")
    anonymous = client.get(page).content.decode()
    assert "Hoppa till huvudinnehållet" in anonymous
    assert "session-dialog" not in anonymous and "Logga ut" not in anonymous

    client.force_login(contact)
    signed_in = client.get(page).content.decode()
    assert 'id="session-dialog"' in signed_in and "Logga ut" in signed_in
    assert contact.full_name in signed_in and "Handläggarvy" not in signed_in
    client.post(reverse("set_language"), {"language": "en", "next": page})
    english = client.get(page + "?x=1").content.decode()
    assert '<html lang="en">' in english and "Skip to main content" in english
    assert "Hoppa till huvudinnehållet" not in english
    assert f'name="next" type="hidden" value="{page}?x=1"' in english

    other = client.__class__()
    other.force_login(staff_user)
    staff = other.get(page).content.decode()
    assert "Handläggarvy" in staff and staff_user.full_name in staff
    assert contact.full_name not in staff
    # Each response's own CSRF token, never one from a cached block.
    assert _csrf_tokens(staff) and _csrf_tokens(staff).isdisjoint(_csrf_tokens(signed_in))


def test_the_staff_mailbox_setting_is_shown_as_set(client, settings):
    settings.STAFF_MAILBOX = "forsta@example.se"
    assert "forsta@example.se" in client.get(reverse("accessibility")).content.decode()
    settings.STAFF_MAILBOX = "andra@example.se"
    html = client.get(reverse("accessibility")).content.decode()
    assert "andra@example.se" in html and "forsta@example.se" not in html
