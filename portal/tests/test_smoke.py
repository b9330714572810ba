import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_in_page_is_swedish(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="sv">' in response.content.decode()
    assert "Logga in" in response.content.decode()


def test_contact_person_lands_on_own_region(client, contact):
    client.force_login(contact)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("inventories:start", args=["region-skane"])
    assert "Region Skåne" in response.content.decode()
