"""The attachments page through the client: upload, refusals with the page intact, delete,
download, and who may open each URL."""

import io
import zipfile

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventories.models import Attachment
from inventories.services import inventory_submit
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.pages import IN_ROUND, inventory_url

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


@pytest.fixture(autouse=True)
def in_round():
    with time_machine.travel(IN_ROUND, tick=False):
        yield


@pytest.fixture
def inventory(region, contact):
    return open_inventory(round=round_2019(), region=region, user=contact)


def page_url(inventory):
    return inventory_url("attachments", inventory.region)


def post_file(client, inventory, content, *, name="strategi.pdf", kind="strategy", text="RUS"):
    return client.post(
        page_url(inventory),
        {"kind": kind, "description": text, "file": SimpleUploadedFile(name, content)},
    )


def test_upload_lists_the_file_as_being_checked(client, contact, inventory):
    client.force_login(contact)

    response = post_file(client, inventory, PDF, name="Regional strategi.pdf")

    assert response.status_code == 302
    page = client.get(page_url(inventory)).content.decode()
    assert "Regional strategi.pdf" in page
    assert "Kontrolleras" in page
    assert "Kontrollen mot skadlig kod är inte igång" in page  # no clamd configured here
    assert "Regional strategi.pdf" in client.get(page_url(inventory)).content.decode()


def test_the_upload_form_shows_progress_with_javascript_and_posts_without(
    client, contact, inventory
):
    client.force_login(contact)

    response = client.get(page_url(inventory))

    page = response.content.decode()
    # A plain multipart form post (no JavaScript needed) that static/js/uploads.js enhances.
    assert (
        '<form method="post" enctype="multipart/form-data" novalidate data-upload-progress>' in page
    )
    assert '<progress id="upload-progress" class="d-block w-100" max="100" value="0">' in page
    assert 'data-text-received="Filen är uppladdad och kontrolleras nu …"' in page
    assert '<script src="/static/js/uploads.js"></script>' in page
    # The script is the portal's own file, allowed by the Content-Security-Policy.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1]


def test_upload_scanned_clean_by_clamd_can_be_downloaded(
    client, contact, inventory, clamd, django_capture_on_commit_callbacks
):
    client.force_login(contact)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, inventory, PDF, name="Beslut åäö.pdf")

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.status == Attachment.Status.CLEAN
    page = client.get(page_url(inventory)).content.decode()
    download = inventory_url("attachment_download", inventory.region, pk=attachment.pk)
    assert download in page
    response = client.get(download)
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''Beslut%20%C3%A5%C3%A4%C3%B6.pdf" in response["Content-Disposition"]


def test_eicar_uploaded_through_the_page_is_quarantined(
    client, contact, inventory, clamd, eicar, django_capture_on_commit_callbacks
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/embeddings/oleObject1.bin", eicar)
    client.force_login(contact)

    with django_capture_on_commit_callbacks(execute=True):
        post_file(client, inventory, buffer.getvalue(), name="beslut.docx", kind="board_decision")

    attachment = Attachment.objects.get()
    assert attachment.status == Attachment.Status.INFECTED
    page = client.get(page_url(inventory)).content.decode()
    assert "Skadlig kod – i karantän" in page
    download = inventory_url("attachment_download", inventory.region, pk=attachment.pk)
    assert f'href="{download}"' not in page
    assert client.get(download).status_code == 404


def test_a_renamed_executable_is_refused_with_a_reason_and_the_text_kept(
    client, contact, inventory
):
    client.force_login(contact)

    response = post_file(client, inventory, EXE, name="strategi.pdf", text="Min beskrivning")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Filen är inte av en tillåten typ. Innehållet avgör, inte filnamnet" in html
    assert 'value="Min beskrivning"' in html
    assert '<option value="strategy" selected>' in html
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused_with_the_page_intact(client, contact, inventory, settings):
    settings.ATTACHMENT_MAX_FILE_SIZE = 1024
    client.force_login(contact)
    post_file(client, inventory, PDF, name="forsta.pdf")

    response = post_file(
        client, inventory, PDF + b"\x00" * 4096, text="Stor analys", kind="analysis"
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "En bilaga får vara högst 1\xa0kB" in html
    assert 'value="Stor analys"' in html
    assert '<option value="analysis" selected>' in html
    assert "forsta.pdf" in html  # what was uploaded before is still listed
    assert 'href="#id_file"' in html  # the error summary links to the field
    assert Attachment.objects.count() == 1


def test_missing_kind_and_file_are_reported(client, contact, inventory):
    client.force_login(contact)

    response = client.post(page_url(inventory), {"description": "x"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Välj typ av bilaga." in html
    assert "Välj en fil att ladda upp." in html


def test_delete_and_no_changes_after_submission(client, contact, inventory):
    client.force_login(contact)
    post_file(client, inventory, PDF, name="bort.pdf")
    post_file(client, inventory, PDF, name="kvar.pdf")
    gone, kept = Attachment.objects.order_by("id")

    response = client.post(inventory_url("attachment_delete", inventory.region, pk=gone.pk))

    assert response.status_code == 302
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["kvar.pdf"]

    Attachment.objects.filter(pk=kept.pk).update(status=Attachment.Status.CLEAN)
    inventory_submit(inventory=inventory, user=contact)
    client.post(inventory_url("attachment_delete", inventory.region, pk=kept.pk))
    response = post_file(client, inventory, PDF, name="sen.pdf")
    assert response.status_code == 409
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["kvar.pdf"]
    page = client.get(page_url(inventory)).content.decode()
    assert "Ladda upp en bilaga" not in page
    assert "Ta bort" not in page


# --- Who may open which URL --------------------------------------------------------------------


@pytest.fixture
def clean_attachment(inventory, contact):
    from inventories.services.attachments import attachment_upload

    attachment = attachment_upload(
        inventory=inventory,
        user=contact,
        uploaded_file=SimpleUploadedFile("strategi.pdf", PDF),
        kind="strategy",
    )
    Attachment.objects.filter(pk=attachment.pk).update(status=Attachment.Status.CLEAN)
    return attachment


def urls(inventory, attachment):
    return {
        "attachments": (page_url(inventory), 200),
        "attachment_download": (
            inventory_url("attachment_download", inventory.region, pk=attachment.pk),
            200,
        ),
        "attachment_delete": (
            inventory_url("attachment_delete", inventory.region, pk=attachment.pk),
            302,  # POST only: GET goes back to the list
        ),
    }


@pytest.mark.parametrize("name", ["attachments", "attachment_download", "attachment_delete"])
def test_own_contact_person_and_staff_may_open(
    client, contact, staff_user, inventory, clean_attachment, name
):
    url, expected = urls(inventory, clean_attachment)[name]
    for user in (contact, staff_user):
        client.force_login(user)
        assert client.get(url).status_code == expected, user


@pytest.mark.parametrize("name", ["attachments", "attachment_download", "attachment_delete"])
def test_another_regions_contact_person_and_an_outsider_get_404(
    client, other_contact, outsider, inventory, clean_attachment, name
):
    url, _expected = urls(inventory, clean_attachment)[name]
    for user in (other_contact, outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code in (404, 405)  # the download is GET only
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize("name", ["attachments", "attachment_download", "attachment_delete"])
def test_anonymous_is_sent_to_sign_in(client, inventory, clean_attachment, name):
    url, _expected = urls(inventory, clean_attachment)[name]
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse(settings.LOGIN_URL))


def test_staff_read_but_neither_upload_nor_delete(client, staff_user, inventory, clean_attachment):
    client.force_login(staff_user)

    page = client.get(page_url(inventory)).content.decode()
    assert "strategi.pdf" in page
    assert "Ladda upp en bilaga" not in page
    assert post_file(client, inventory, PDF).status_code == 403
    delete = inventory_url("attachment_delete", inventory.region, pk=clean_attachment.pk)
    assert client.post(delete).status_code == 403
    assert Attachment.objects.count() == 1


def test_an_attachment_of_another_region_is_404(
    client, contact, inventory, other_region, other_contact
):
    from inventories.services.attachments import attachment_upload

    other = open_inventory(round=round_2019(), region=other_region, user=other_contact)
    foreign = attachment_upload(
        inventory=other,
        user=other_contact,
        uploaded_file=SimpleUploadedFile("x.pdf", PDF),
        kind="other",
    )
    Attachment.objects.filter(pk=foreign.pk).update(status=Attachment.Status.CLEAN)
    client.force_login(contact)

    assert (
        client.get(
            inventory_url("attachment_download", inventory.region, pk=foreign.pk)
        ).status_code
        == 404
    )
    client.post(inventory_url("attachment_delete", inventory.region, pk=foreign.pk))
    assert Attachment.objects.filter(pk=foreign.pk).exists()


def test_submitting_while_a_file_is_being_checked_says_so(client, contact, inventory):
    client.force_login(contact)
    post_file(client, inventory, PDF, name="vantar.pdf")

    response = client.post(inventory_url("submit", inventory.region), {"confirm": "on"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Bilagorna kontrolleras fortfarande mot skadlig kod (vantar.pdf)" in html
    inventory.refresh_from_db()
    assert inventory.status == "draft"


def test_a_submitted_attachment_shows_its_version_and_cannot_be_deleted(
    client, contact, staff_user, inventory, clean_attachment
):
    from inventories.services import inventory_return_for_completion

    inventory_submit(inventory=inventory, user=contact)
    inventory_return_for_completion(inventory=inventory, actor=staff_user, message="Mer.")
    client.force_login(contact)

    page = client.get(page_url(inventory)).content.decode()
    assert "Inskickad med version 1" in page
    delete = inventory_url("attachment_delete", inventory.region, pk=clean_attachment.pk)
    assert f'action="{delete}"' not in page
    response = client.post(delete, follow=True)
    assert "skickades in med version 1" in response.content.decode()
    assert Attachment.objects.filter(pk=clean_attachment.pk).exists()


def test_staff_see_attachments_in_the_admin_read_only(client, staff_user, clean_attachment):
    client.force_login(staff_user)

    listing = client.get(reverse("admin:inventories_attachment_changelist"))
    assert listing.status_code == 200
    assert "strategi.pdf" in listing.content.decode()
    change = reverse("admin:inventories_attachment_change", args=[clean_attachment.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"original_name": "x.pdf"}).status_code == 403
    clean_attachment.refresh_from_db()
    assert clean_attachment.original_name == "strategi.pdf"


def test_the_receipt_lists_the_submitted_attachments(client, contact, inventory, clean_attachment):
    inventory_submit(inventory=inventory, user=contact)
    client.force_login(contact)

    html = client.get(inventory_url("receipt", inventory.region, number=1)).content.decode()

    assert "strategi.pdf (" in html
    assert "receipt-attachments" in html
