"""Downloading the PDF copy of record: the region's contact persons and staff, nobody else."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from inventories.models import VersionDocument
from inventories.services import records
from inventories.tests.records_helpers import submit_inventory
from regions.tests.factories import ContactPersonFactory

pytestmark = pytest.mark.django_db

PDF_NAME = "behovsinventering-2019-12-region-skane-v1.pdf"


def url(number=1, region_slug="region-skane", round_slug="2019"):
    return reverse(
        "inventories:version_pdf",
        kwargs={"region_slug": region_slug, "round_slug": round_slug, "number": number},
    )


@pytest.fixture
def version(region, contact):
    return submit_inventory(region=region, user=contact)


@pytest.fixture
def ready(version):
    records.version_document_render(version_id=version.pk)
    return VersionDocument.objects.get(version=version)


def test_a_contact_person_downloads_the_stored_pdf(client, contact, ready):
    client.force_login(contact)
    response = client.get(url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{PDF_NAME}"'
    assert "no-store" in response["Cache-Control"]
    with ready.file.open("rb") as handle:
        assert response.content == handle.read()


def test_every_active_contact_person_of_the_region_and_staff_may_download(
    client, region, staff_user, ready
):
    deputy = ContactPersonFactory(region=region, role="deputy").user
    for user in (deputy, staff_user):
        client.force_login(user)
        assert client.get(url())["Content-Type"] == "application/pdf"


def test_another_region_or_an_outsider_gets_404(client, other_contact, outsider, ready):
    for user in (other_contact, outsider):
        client.force_login(user)
        assert client.get(url()).status_code == 404
        assert client.get(url(region_slug="region-stockholm")).status_code == 404


def test_an_inactive_contact_person_gets_404(client, contact, ready):
    contact.contact_person.active = False
    contact.contact_person.save()
    client.force_login(contact)
    assert client.get(url()).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, ready):
    response = client.get(url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_version_is_404(client, contact, ready):
    client.force_login(contact)
    assert client.get(url(number=2)).status_code == 404
    assert client.get(url(round_slug="1999")).status_code == 404


def test_a_pdf_not_stored_yet_gives_a_page_saying_it_is_on_its_way(client, contact, version):
    client.force_login(contact)
    response = client.get(url())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "PDF-kopian är på väg" in page
    assert version.sha256 in page
    assert page.count("<h1") == 1


def test_a_failed_pdf_tells_staff_the_error_and_contacts_only_that_it_is_coming(
    client, contact, staff_user, version
):
    VersionDocument.objects.filter(version=version).update(
        status="failed", last_error="RuntimeError: Pango kraschade"
    )
    client.force_login(contact)
    page = client.get(url()).content.decode()
    assert "PDF-kopian är inte klar än" in page and "Pango" not in page
    client.force_login(staff_user)
    assert "RuntimeError: Pango kraschade" in client.get(url()).content.decode()


def test_a_stored_pdf_that_changed_is_not_served(
    client, contact, ready, django_capture_on_commit_callbacks
):
    with open(ready.file.path, "wb") as handle:
        handle.write(b"%PDF-1.7 altered")
    client.force_login(contact)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url())
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "PDF-kopian går inte att hämta just nu" in response.content.decode()
    # The record is flagged and the staff mailbox told, once.
    ready.refresh_from_db()
    assert ready.is_damaged and "stämmer inte med sin SHA-256" in ready.damage
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url()).status_code == 503
    assert [m.to for m in mail.outbox] == [[settings.STAFF_MAILBOX]]
    assert "skadad" in mail.outbox[0].subject


def test_a_deleted_pdf_gives_a_clear_page_and_flags_the_record(client, staff_user, ready):
    Path(ready.file.path).unlink()
    client.force_login(staff_user)
    response = client.get(url())
    assert response.status_code == 503
    page = response.content.decode()
    assert "PDF-kopian går inte att hämta just nu" in page and "saknas" in page
    ready.refresh_from_db()
    assert ready.is_damaged and "saknas" in ready.damage


def test_the_include_links_the_pdf_once_it_is_stored(version):
    pending = render_to_string("inventories/includes/version_pdf_link.html", {"version": version})
    assert "skapas och skickas med e-post" in pending
    records.version_document_render(version_id=version.pk)
    version.refresh_from_db()
    version = (
        type(version)
        .objects.select_related("document", "inventory__region", "inventory__round")
        .get(pk=version.pk)
    )
    ready = render_to_string("inventories/includes/version_pdf_link.html", {"version": version})
    assert f'href="{url()}"' in ready
    assert "Ladda ner PDF-kopian av version 1 (PDF," in ready


def test_staff_find_the_pdf_in_the_admin_and_can_render_a_failed_one_again(
    client, staff_user, version, django_capture_on_commit_callbacks
):
    VersionDocument.objects.filter(version=version).update(
        status="failed", attempts=18, last_error="RuntimeError: Pango kraschade"
    )
    client.force_login(staff_user)
    changelist = reverse("admin:inventories_versiondocument_changelist")
    page = client.get(changelist).content.decode()
    assert "Kunde inte skapas" in page and "RuntimeError: Pango kraschade" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist,
            {"action": "render_again", "_selected_action": [version.document.pk]},
        )
    assert response.status_code == 302
    document = VersionDocument.objects.get(version=version)
    assert document.status == VersionDocument.Status.READY
    page = client.get(changelist).content.decode()
    assert f'href="{url()}"' in page and PDF_NAME in page
    assert client.get(url())["Content-Type"] == "application/pdf"
