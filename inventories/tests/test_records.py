"""The copy-of-record services: a pending PDF on submit, stored once, and the receipt e-mails."""

import hashlib
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from inventories import tasks
from inventories.models import AuditEvent, Inventory, InventoryVersion, VersionDocument
from inventories.services import records
from inventories.tests.records_helpers import IN_ROUND, pdf_text, submit_inventory
from portal.models import OutboxMessage
from regions.tests.factories import ContactPersonFactory

pytestmark = pytest.mark.django_db

PDF_NAME = "behovsinventering-2019-12-region-skane-v1.pdf"


def stored_path(document) -> Path:
    return Path(settings.MEDIA_ROOT) / document.file.name


def test_submitting_creates_a_pending_pdf_in_the_same_transaction(region, contact):
    version = submit_inventory(region=region, user=contact)
    document = version.document
    assert document.status == VersionDocument.Status.PENDING
    assert not document.file
    assert mail.outbox == []


def test_an_incomplete_submission_leaves_no_document(region, contact):
    with pytest.raises(ValidationError):
        submit_inventory(region=region, user=contact, filled=False)
    assert not InventoryVersion.objects.exists()
    assert not VersionDocument.objects.exists()


def test_after_commit_the_pdf_is_stored_once_and_the_receipt_sent(
    region, contact, django_capture_on_commit_callbacks
):
    deputy = ContactPersonFactory(region=region, role="deputy", user__language="en").user
    gone = ContactPersonFactory(region=region, active=False).user
    with django_capture_on_commit_callbacks(execute=True):
        version = submit_inventory(region=region, user=contact)

    document = VersionDocument.objects.get(version=version)
    assert document.status == VersionDocument.Status.READY
    assert document.file.name == (f"inventories/2019/12-region-skane/v1-{version.sha256[:12]}.pdf")
    content = stored_path(document).read_bytes()
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert "Region Skåne" in pdf_text(content)
    assert document.attempts == 1 and document.last_error == ""

    # One receipt per active contact person, in their language, PDF attached; then staff.
    receipts = [m for m in mail.outbox if m.to != [settings.STAFF_MAILBOX]]
    assert sorted(m.to[0] for m in receipts) == sorted([contact.email, deputy.email])
    assert gone.email not in {address for m in mail.outbox for address in m.to}
    subjects = {
        "sv": "Dnr 2019-0001: Kvitto: Region Skånes behovsinventering, version 1, är inskickad",
        "en": (
            "Reg. no. 2019-0001: Receipt: the needs inventory for Region Skåne, version 1, "
            "has been submitted"
        ),
    }
    for message in receipts:
        language = "en" if message.to == [deputy.email] else "sv"
        assert message.reply_to == [settings.STAFF_MAILBOX]
        assert message.subject == subjects[language]
        [(filename, attached, mimetype)] = message.attachments
        assert (filename, attached, mimetype) == (PDF_NAME, content, "application/pdf")
        [(html, html_type)] = message.alternatives
        assert html_type == "text/html"
        assert version.sha256 in message.body and version.sha256 in html
        receipt_url = f"{settings.SITE_URL}/region/region-skane/2019/version/1/"
        assert receipt_url in message.body and receipt_url in html
        assert f'<html lang="{language}">' in html
    [notice] = [m for m in mail.outbox if m.to == [settings.STAFF_MAILBOX]]
    assert notice.subject == (
        "Dnr 2019-0001: Inskickad: Region Skåne, version 1 – Behovsinventering hösten 2019"
    )
    assert f"{settings.SITE_URL}/region/region-skane/2019/version/1/" in notice.body
    assert contact.email in notice.body and deputy.email in notice.body
    assert not notice.attachments

    document.refresh_from_db()
    assert document.receipt_sent_at
    rows = OutboxMessage.objects.filter(group=records.version_receipt_group(version.pk))
    assert sorted(rows.values_list("to", flat=True)) == sorted(
        [contact.email, deputy.email, settings.STAFF_MAILBOX]
    )
    assert {row.status for row in rows} == {"sent"}
    # Each e-mail carries its row's Message-ID, made once when the row was written.
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        rows.values_list("message_id", flat=True)
    )
    assert AuditEvent.objects.filter(
        inventory=version.inventory, action=AuditEvent.Action.RECEIPT_SENT
    ).exists()


def test_rendering_twice_stores_one_file_and_never_replaces_it(region, contact, monkeypatch):
    version = submit_inventory(region=region, user=contact)
    first = records.version_document_render(version_id=version.pk)
    path = stored_path(first)
    before = (path.read_bytes(), path.stat().st_mtime_ns)

    def must_not_render(version):
        raise AssertionError("a stored PDF must not be rendered again")

    monkeypatch.setattr("inventories.pdf.inventory_version_pdf", must_not_render)
    second = records.version_document_render(version_id=version.pk)

    assert second.pk == first.pk and second.file.name == first.file.name
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert list(path.parent.iterdir()) == [path]
    assert second.attempts == 1


def test_an_unrecorded_file_at_the_place_is_kept_aside_and_the_pdf_stored(region, contact):
    # E.g. a write cut short by a crash: nothing records it, and it is not this PDF.
    version = submit_inventory(region=region, user=contact)
    path = Path(settings.MEDIA_ROOT) / records.version_pdf_storage_name(version)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"%PDF-1.7 cut short")

    document = records.version_document_render(version_id=version.pk)

    assert document.status == VersionDocument.Status.READY
    assert document.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    [aside] = [p for p in path.parent.iterdir() if p != path]
    assert aside.name.startswith(path.name + ".unrecorded-")
    assert aside.read_bytes() == b"%PDF-1.7 cut short"


def test_a_recorded_file_is_never_replaced(region, contact, other_region, other_contact):
    version = submit_inventory(region=region, user=contact)
    stored = records.version_document_render(version_id=version.pk)
    before = stored_path(stored).read_bytes()
    # A second document naming the same file (a corrupt state) must not overwrite it.
    other = submit_inventory(region=other_region, user=other_contact)
    VersionDocument.objects.filter(version=other).update(file=stored.file.name)
    with pytest.raises(records.DocumentFileExists):
        records._version_document_store(
            document_id=other.document.pk, version=version, content=b"%PDF-1.7 other"
        )
    assert stored_path(stored).read_bytes() == before


def test_a_file_stored_but_not_recorded_is_adopted_and_the_receipt_goes_out_once(
    region, contact, monkeypatch, django_capture_on_commit_callbacks
):
    """A worker dies after writing the PDF and before recording it; the next attempt adopts
    the file (its bytes hash to what the dead attempt meant to store) and sends one receipt."""
    deputy = ContactPersonFactory(region=region, role="deputy").user
    version = submit_inventory(region=region, user=contact)

    class Killed(BaseException):
        pass

    def die(document, **kwargs):
        raise Killed  # the process is gone: no clean-up runs, nothing is recorded

    with monkeypatch.context() as patch:
        patch.setattr(records, "_version_document_record", die)
        patch.setattr(records.default_storage, "delete", lambda name: None)
        with pytest.raises(Killed):
            records.version_document_render(version_id=version.pk)
    path = Path(settings.MEDIA_ROOT) / records.version_pdf_storage_name(version)
    written = path.read_bytes()
    document = VersionDocument.objects.get(version=version)
    assert document.status == "pending" and not document.file
    assert document.expected_sha256 == hashlib.sha256(written).hexdigest()

    monkeypatch.setattr(
        "inventories.pdf.inventory_version_pdf",
        lambda version: pytest.fail("the stored file is adopted, not rendered again"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.version_render_pdf.apply(args=[version.pk])
        tasks.version_render_pdf.apply(args=[version.pk])  # a second delivery changes nothing

    document.refresh_from_db()
    assert document.status == VersionDocument.Status.READY and document.receipt_complete
    assert document.file.name == records.version_pdf_storage_name(version)
    assert document.sha256 == hashlib.sha256(written).hexdigest()
    assert path.read_bytes() == written and list(path.parent.iterdir()) == [path]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [contact.email, deputy.email, settings.STAFF_MAILBOX]
    )
    [receipt] = [m for m in mail.outbox if m.to == [contact.email]]
    assert receipt.attachments[0][1] == written


def test_render_attempts_are_bounded(region, contact, monkeypatch):
    version = submit_inventory(region=region, user=contact)
    VersionDocument.objects.filter(version=version).update(
        attempts=records.RENDER_MAX_ATTEMPTS, status="pending"
    )
    monkeypatch.setattr(
        "inventories.pdf.inventory_version_pdf",
        lambda version: pytest.fail("no render past the attempt limit"),
    )
    document = records.version_document_render(version_id=version.pk)
    assert document.status == VersionDocument.Status.FAILED


class FlakyBackend(LocmemBackend):
    """Refuses mail to addresses listed in ``refused`` (a fault, as an SMTP server would)."""

    refused: set = set()

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & self.refused:
                raise ConnectionRefusedError("SMTP server refused the connection")
        return super().send_messages(messages)


def test_a_failed_receipt_is_resent_only_to_whom_it_did_not_reach(region, contact, settings):
    # Contact persons are served in name order: the second one is refused.
    second = ContactPersonFactory(region=region, user__full_name="Ylva Östberg").user
    version = submit_inventory(region=region, user=contact)
    records.version_document_render(version_id=version.pk)
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.refused = {second.email}

    assert records.version_receipt_send(version_id=version.pk) is False
    document = VersionDocument.objects.get(version=version)
    assert document.receipt_sent_at is None
    rows = {row.to: row for row in OutboxMessage.objects.filter(group__startswith="version-")}
    assert rows[contact.email].status == rows[settings.STAFF_MAILBOX].status == "sent"
    refused = rows[second.email]
    assert refused.status == "pending" and refused.attempts == 1
    assert "ConnectionRefusedError" in refused.last_error
    assert list(
        records.version_documents_due_receipt(now=document.rendered_at + records.SWEEP_GRACE)
    ) == [version.pk]

    FlakyBackend.refused = set()
    with time_machine.travel(refused.next_attempt_at, tick=False):
        assert records.version_receipt_send(version_id=version.pk) is True
        assert records.version_receipt_send(version_id=version.pk) is False
    assert [m.to for m in mail.outbox] == [
        [contact.email],
        [settings.STAFF_MAILBOX],
        [second.email],
    ]
    document.refresh_from_db()
    assert document.receipt_complete
    assert (
        list(records.version_documents_due_receipt(now=document.rendered_at + records.SWEEP_GRACE))
        == []
    )
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.RECEIPT_SENT)
    assert sorted(event.data["recipients"]) == sorted([contact.email, second.email])


def test_a_stored_pdf_that_changed_is_not_sent(region, contact):
    version = submit_inventory(region=region, user=contact)
    document = records.version_document_render(version_id=version.pk)
    stored_path(document).write_bytes(b"%PDF-1.7 something else")

    with pytest.raises(records.DocumentIntegrityError):
        records.version_receipt_send(version_id=version.pk)
    # Nothing is written for the receipt; the record is flagged and staff told (once).
    assert not OutboxMessage.objects.filter(kind="receipt").exists()
    document = VersionDocument.objects.get(version=version)
    assert document.is_damaged
    assert [m.to for m in mail.outbox] == []  # the report leaves after commit
    assert OutboxMessage.objects.filter(kind="records_damaged").count() == 1


def test_a_region_without_active_contact_persons_still_notifies_staff(region, contact):
    version = submit_inventory(region=region, user=contact)
    records.version_document_render(version_id=version.pk)
    contact.contact_person.active = False
    contact.contact_person.save()

    assert records.version_receipt_send(version_id=version.pk) is True
    [notice] = mail.outbox
    assert notice.to == [settings.STAFF_MAILBOX]
    assert "Regionen har ingen aktiv kontaktperson" in notice.body


def test_the_sweeper_selection(region, other_region, contact, other_contact):
    ready = submit_inventory(region=region, user=contact)
    with time_machine.travel(IN_ROUND, tick=False):
        records.version_document_render(version_id=ready.pk)
    pending = submit_inventory(region=other_region, user=other_contact)
    now = pending.document.created_at

    # Fresh work is left to the task queued for it; later the sweeper takes it.
    assert list(records.version_documents_due_render(now=now)) == []
    later = now + records.SWEEP_GRACE
    assert list(records.version_documents_due_render(now=later)) == [pending.pk]
    assert list(records.version_documents_due_receipt(now=later)) == [ready.pk]

    VersionDocument.objects.filter(version=pending).update(status="failed", attempts=3)
    assert list(records.version_documents_due_render(now=later)) == [pending.pk]
    VersionDocument.objects.filter(version=pending).update(attempts=records.RENDER_MAX_ATTEMPTS)
    assert list(records.version_documents_due_render(now=later)) == []

    # A version that has no document at all (from before PDFs existed) gets one.
    VersionDocument.objects.filter(version=pending).delete()
    assert records.version_documents_create_missing() == 1
    assert VersionDocument.objects.get(version=pending).status == "pending"
    assert records.version_documents_create_missing() == 0


def test_a_staff_retry_gives_a_failed_pdf_new_attempts(
    region, contact, django_capture_on_commit_callbacks
):
    version = submit_inventory(region=region, user=contact)
    VersionDocument.objects.filter(version=version).update(
        status="failed", attempts=records.RENDER_MAX_ATTEMPTS, last_error="RuntimeError: x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        records.version_document_retry(document=version.document)
    document = VersionDocument.objects.get(version=version)
    assert document.status == "ready" and document.attempts == 1 and document.last_error == ""
    assert Inventory.objects.get(pk=version.inventory_id).status == "submitted"


def test_the_stored_pdf_is_tagged_and_identifies_as_pdfa_2a(
    region, contact, django_capture_on_commit_callbacks
):
    """What ``pdfinfo`` (poppler) says about the stored copy of record: tagged, with a structure
    tree a screen reader can follow, and PDF/A-2a in its XMP metadata."""
    import shutil
    import subprocess

    from conftest import need_service

    need_service(
        shutil.which("pdfinfo") is not None, "needs pdfinfo: apt-get install poppler-utils"
    )
    with django_capture_on_commit_callbacks(execute=True):
        version = submit_inventory(region=region, user=contact)
    path = stored_path(VersionDocument.objects.get(version=version))
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    assert any(line.split() == ["Tagged:", "yes"] for line in info.splitlines()), info
    struct = subprocess.run(
        ["pdfinfo", "-struct", path], capture_output=True, text=True, check=True
    ).stdout
    for element in ("H1", "H2", "H3", "Table", "P"):
        assert element in struct
    meta = subprocess.run(
        ["pdfinfo", "-meta", path], capture_output=True, text=True, check=True
    ).stdout
    assert 'pdfaid:part="2"' in meta
    assert 'pdfaid:conformance="A"' in meta
