"""Attachments: the type by content, the size limits, and the scan by a real clamd."""

import datetime
import hashlib
import io
import os
import zipfile

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from inventories.errors import InventoryLocked
from inventories.models import Attachment, AuditEvent
from inventories.services import inventory_submit
from inventories.services.attachments import (
    attachment_delete,
    attachment_scan_run,
    attachment_upload,
)
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.pages import IN_ROUND
from inventories.uploads import detect, safe_name
from portal import clamav
from portal.models import OutboxMessage

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def zipped(entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped([("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")])
XLSX = zipped([("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")])
ODT = zipped([("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<x/>")])
ODS = zipped(
    [("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", "<x/>")]
)


@pytest.fixture(autouse=True)
def in_round():
    with time_machine.travel(IN_ROUND, tick=False):
        yield


@pytest.fixture
def inventory(region, contact):
    return open_inventory(round=round_2019(), region=region, user=contact)


def upload(inventory, user, content, name="strategi.pdf", kind="strategy", description=""):
    return attachment_upload(
        inventory=inventory,
        user=user,
        uploaded_file=SimpleUploadedFile(name, content),
        kind=kind,
        description=description,
    )


# --- What a file is: its content, never its name ---------------------------------------------


@pytest.mark.parametrize(
    ("content", "extension"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, "jpg"),
        (DOCX, "docx"),
        (XLSX, "xlsx"),
        (ODT, "odt"),
        (ODS, "ods"),
    ],
)
def test_allowed_types_are_recognised_by_content(content, extension):
    assert detect(content).extension == extension


@pytest.mark.parametrize(
    "content",
    [
        EXE,
        b"\x7fELF\x02\x01\x01" + b"\x00" * 60,
        b"#!/bin/sh\nrm -rf ~\n",
        b"plain text",
        zipped([("a.exe", "MZ")]),
        b"",
    ],
)
def test_other_content_is_not_allowed(content):
    assert detect(content) is None


def test_names_are_made_safe_and_take_the_contents_extension():
    assert safe_name("C:\\Users\\x\\..\\Beslut: styrelsen?.exe", extension="pdf") == (
        "Beslut_ styrelsen.pdf"
    )
    assert safe_name("../../.htaccess", extension="png") == "htaccess.png"
    assert safe_name("Årsredovisning 2019 (slutlig).docx", extension="docx") == (
        "Årsredovisning 2019 (slutlig).docx"
    )
    assert safe_name("", extension="pdf") == "bilaga.pdf"


# --- Upload ------------------------------------------------------------------------------------


def test_upload_stores_the_bytes_under_a_name_that_reveals_nothing(inventory, contact):
    attachment = upload(inventory, contact, PDF, name="Hemlig strategi.pdf", description=" RUS ")

    assert attachment.status == Attachment.Status.CHECKING  # no scanner configured here
    assert attachment.original_name == "Hemlig strategi.pdf"
    assert attachment.description == "RUS"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.file.name.startswith("attachments/2019/12/")
    assert "Hemlig" not in attachment.file.name and "strategi" not in attachment.file.name
    with default_storage.open(attachment.file.name, "rb") as handle:
        assert handle.read() == PDF
    assert AuditEvent.objects.filter(
        inventory=inventory, action=AuditEvent.Action.ATTACHMENT_ADDED
    ).exists()


def test_a_renamed_executable_is_refused_by_content(inventory, contact):
    with pytest.raises(ValidationError) as caught:
        upload(inventory, contact, EXE, name="strategi.pdf")

    assert caught.value.error_dict["file"][0].code == "type"
    assert "Innehållet avgör" in caught.value.error_dict["file"][0].messages[0]
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused(inventory, contact, settings):
    settings.ATTACHMENT_MAX_FILE_SIZE = 1024

    with pytest.raises(ValidationError) as caught:
        upload(inventory, contact, PDF + b"\x00" * 2000)

    error = caught.value.error_dict["file"][0]
    assert error.code == "too_large"
    assert "högst 1\xa0kB" in error.messages[0]
    assert not Attachment.objects.exists()


def test_the_inventorys_total_is_limited(inventory, contact, settings):
    settings.ATTACHMENT_MAX_TOTAL_SIZE = len(PDF) * 2 + 10
    upload(inventory, contact, PDF)
    upload(inventory, contact, PDF)

    with pytest.raises(ValidationError) as caught:
        upload(inventory, contact, PDF)

    assert caught.value.error_dict["file"][0].code == "total_too_large"
    assert Attachment.objects.count() == 2


def test_only_the_regions_contact_persons_upload(inventory, other_contact, staff_user):
    for user in (other_contact, staff_user):
        with pytest.raises(PermissionDenied):
            upload(inventory, user, PDF)
    assert not Attachment.objects.exists()


def test_nothing_is_uploaded_or_deleted_once_submitted(inventory, contact):
    attachment = scanned_clean(upload(inventory, contact, PDF))
    inventory_submit(inventory=inventory, user=contact)
    inventory.refresh_from_db()

    with pytest.raises(InventoryLocked):
        upload(inventory, contact, PDF)
    with pytest.raises(InventoryLocked):
        attachment_delete(attachment=attachment, user=contact)
    assert Attachment.objects.count() == 1


def test_delete_removes_the_row_and_the_file(
    inventory, contact, django_capture_on_commit_callbacks
):
    attachment = upload(inventory, contact, PDF)
    name = attachment.file.name

    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(attachment=attachment, user=contact)

    assert not Attachment.objects.exists()
    assert not default_storage.exists(name)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ATTACHMENT_DELETED).exists()


# --- The scan, by a real clamd -----------------------------------------------------------------


def test_a_clean_file_is_marked_clean(
    inventory, contact, clamd, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attachment = upload(inventory, contact, PDF)

    attachment.refresh_from_db()
    assert attachment.status == Attachment.Status.CLEAN
    assert attachment.scanned_at is not None
    assert not OutboxMessage.objects.exists()


def docx_carrying(payload: bytes) -> bytes:
    """A Word document (it passes the type check) with ``payload`` as an embedded file."""
    return zipped(
        [
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", "<w:document/>"),
            ("word/embeddings/oleObject1.bin", payload),
        ]
    )


def test_eicar_is_quarantined_and_uploader_and_staff_are_told(
    inventory, contact, clamd, eicar, settings, django_capture_on_commit_callbacks, mailoutbox
):
    # The EICAR test file inside a Word document: clamd unpacks the archive and finds it.
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = upload(inventory, contact, docx_carrying(eicar), name="beslut.docx")
    stored = uploaded.file.name

    attachment = Attachment.objects.get(pk=uploaded.pk)
    assert attachment.status == Attachment.Status.INFECTED
    assert attachment.signature.startswith("Eicar-Test-Signature")
    assert attachment.file.name.startswith("quarantine/")
    assert not default_storage.exists(stored)
    with default_storage.open(attachment.file.name, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == attachment.sha256
    rows = OutboxMessage.objects.filter(kind="attachment_infected")
    assert sorted(rows.values_list("to", flat=True)) == sorted(
        [contact.email, settings.STAFF_MAILBOX]
    )
    assert {m.to[0] for m in mailoutbox} == {contact.email, settings.STAFF_MAILBOX}
    assert all("beslut.docx" in m.subject for m in mailoutbox)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ATTACHMENT_INFECTED).exists()

    # A second delivery of the task changes nothing and tells nobody again.
    again = attachment_scan_run(attachment_id=attachment.pk)
    assert again.file.name == attachment.file.name
    assert rows.count() == 2


def test_without_clamd_the_attachment_stays_being_checked(inventory, contact, settings, tmp_path):
    attachment = upload(inventory, contact, PDF)
    settings.CLAMD_SOCKET = str(tmp_path / "no-clamd.sock")

    with pytest.raises(clamav.ScannerUnavailable):
        attachment_scan_run(attachment_id=attachment.pk)

    attachment.refresh_from_db()
    assert attachment.status == Attachment.Status.CHECKING
    assert attachment.scan_attempts == 1
    assert "ScannerUnavailable" in attachment.last_scan_error


def test_the_task_waits_without_a_scanner_and_the_sweeper_queues_it_again(
    inventory, contact, clamd, settings
):
    from inventories.tasks import attachment_scan, attachments_sweep_unscanned

    settings.CLAMD_SOCKET = ""
    attachment = upload(inventory, contact, PDF)
    assert attachment_scan.delay(attachment.pk).get() == "no-scanner"

    settings.CLAMD_SOCKET = clamd.socket
    with time_machine.travel(IN_ROUND + datetime.timedelta(minutes=10), tick=False):
        assert attachments_sweep_unscanned.delay().get() == {"scans": 1}
    attachment.refresh_from_db()
    assert attachment.status == Attachment.Status.CLEAN


# --- Part of the record: submitting freezes the attachments ----------------------------------


def scanned_clean(attachment):
    Attachment.objects.filter(pk=attachment.pk).update(status=Attachment.Status.CLEAN)
    attachment.refresh_from_db()
    return attachment


def test_submitting_lists_the_clean_attachments_and_freezes_them(inventory, contact, staff_user):
    from inventories.services import inventory_return_for_completion

    kept = scanned_clean(upload(inventory, contact, PDF, name="RUS.pdf", description="Strategin"))
    infected = upload(inventory, contact, DOCX, name="smitta.docx", kind="other")
    Attachment.objects.filter(pk=infected.pk).update(
        status=Attachment.Status.INFECTED, signature="Eicar-Test-Signature"
    )

    version = inventory_submit(inventory=inventory, user=contact)

    assert version.snapshot["schema"] == 4
    assert version.snapshot["attachments"] == [
        {
            "id": kept.pk,
            "name": "RUS.pdf",
            "kind": "strategy",
            "description": "Strategin",
            "content_type": "application/pdf",
            "size": len(PDF),
            "sha256": hashlib.sha256(PDF).hexdigest(),
        }
    ]
    kept.refresh_from_db()
    assert kept.frozen_in == version
    assert Attachment.objects.get(pk=infected.pk).frozen_in is None

    # Returned for completion: new files may come, the submitted one stays as it was.
    inventory_return_for_completion(inventory=inventory, actor=staff_user, message="Mer.")
    inventory.refresh_from_db()
    with pytest.raises(InventoryLocked) as caught:
        attachment_delete(attachment=kept, user=contact)
    assert "version 1" in caught.value.messages[0]
    added = scanned_clean(upload(inventory, contact, PNG, name="karta.png", kind="analysis"))
    second = inventory_submit(inventory=inventory, user=contact)
    assert [row["name"] for row in second.snapshot["attachments"]] == ["RUS.pdf", "karta.png"]
    kept.refresh_from_db()
    added.refresh_from_db()
    assert kept.frozen_in == version  # reused, not copied
    assert added.frozen_in == second


def test_the_orm_refuses_to_change_or_delete_a_submitted_attachment(inventory, contact):
    from inventories.models import FrozenAttachmentError

    attachment = scanned_clean(upload(inventory, contact, PDF))
    inventory_submit(inventory=inventory, user=contact)
    attachment.refresh_from_db()

    with pytest.raises(FrozenAttachmentError):
        Attachment.objects.filter(pk=attachment.pk).update(original_name="ny.pdf")
    with pytest.raises(FrozenAttachmentError):
        Attachment.objects.filter(pk=attachment.pk).delete()
    attachment.description = "ändrad"
    with pytest.raises(FrozenAttachmentError):
        attachment.save()
    with pytest.raises(FrozenAttachmentError):
        attachment.delete()
    assert Attachment.objects.get(pk=attachment.pk).description == ""


def test_postgresql_refuses_raw_changes_of_a_submitted_attachment(inventory, contact, postgres):
    from django.db import IntegrityError, connection, transaction

    attachment = scanned_clean(upload(inventory, contact, PDF))
    inventory_submit(inventory=inventory, user=contact)

    for sql in (
        "UPDATE inventories_attachment SET sha256 = 'x' WHERE id = %s",
        "DELETE FROM inventories_attachment WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [attachment.pk])
    assert Attachment.objects.get(pk=attachment.pk).sha256 == hashlib.sha256(PDF).hexdigest()


def test_submission_waits_for_attachments_being_checked(inventory, contact):
    upload(inventory, contact, PDF, name="vantar.pdf")

    with pytest.raises(ValidationError) as caught:
        inventory_submit(inventory=inventory, user=contact)

    assert caught.value.code == "attachments_checking"
    assert "vantar.pdf" in caught.value.messages[0]
    inventory.refresh_from_db()
    assert inventory.status == "draft"


def test_the_pdf_of_record_lists_the_attachments(inventory, contact):
    from inventories.pdf import inventory_version_pdf
    from inventories.tests.records_helpers import pdf_text

    scanned_clean(upload(inventory, contact, PDF, name="Regional strategi.pdf"))
    version = inventory_submit(inventory=inventory, user=contact)

    text = pdf_text(inventory_version_pdf(version))

    assert "Bilagor" in text
    assert "Regional strategi.pdf" in text
    assert "Regional utvecklingsstrategi" in text
    assert hashlib.sha256(PDF).hexdigest()[:16] in text.replace("\n", "")


def test_the_integrity_check_re_hashes_the_submitted_attachments(inventory, contact):
    from inventories.services.integrity import records_verify

    attachment = scanned_clean(upload(inventory, contact, PDF, name="RUS.pdf"))
    version = inventory_submit(inventory=inventory, user=contact)
    assert records_verify().ok

    path = default_storage.path(attachment.file.name)
    with open(path, "wb") as handle:
        handle.write(PDF + b"changed")
    report = records_verify()

    assert [(v.pk, problems) for v, problems in report.damaged] == [
        (version.pk, ["Bilagan RUS.pdf stämmer inte med sin SHA-256."])
    ]
    version.document.refresh_from_db()
    assert "RUS.pdf" in version.document.damage

    with open(path, "wb") as handle:
        handle.write(PDF)  # restored from a backup
    assert records_verify().ok
    os.remove(path)
    assert records_verify().damaged[0][1] == ["Bilagan RUS.pdf saknas."]
