"""The copy-of-record tasks: after commit, idempotent, retried, swept up after a broker outage,
and (in CI) run by a real worker against Redis with the receipt reaching a real SMTP server."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from inventories import tasks
from inventories.models import AuditEvent, Inventory, VersionDocument
from inventories.services import records
from inventories.snapshot import sha256_hex
from inventories.tests.records_helpers import IN_ROUND, pdf_text, submit_inventory
from portal.celery import app
from portal.models import OutboxMessage

PDF_NAME = "behovsinventering-2019-12-region-skane-v1.pdf"


def pdf_url(version):
    return reverse(
        "inventories:version_pdf",
        kwargs={"region_slug": "region-skane", "round_slug": "2019", "number": version.number},
    )


def stored_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*.pdf")) if root.exists() else []


@pytest.mark.django_db
def test_broker_down_at_submit_then_the_sweeper_makes_the_pdf_and_one_receipt(
    broken_broker, client, region, contact, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        version = submit_inventory(region=region, user=contact)

    # The submission is committed; the PDF waits, visibly pending.
    assert "Could not queue inventories.tasks.version_render_pdf" in caplog.text
    assert Inventory.objects.get(pk=version.inventory_id).status == Inventory.Status.SUBMITTED
    document = VersionDocument.objects.get(version=version)
    assert document.status == VersionDocument.Status.PENDING
    assert stored_files() == [] and mail.outbox == []
    client.force_login(contact)
    response = client.get(pdf_url(version))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "PDF-kopian är på väg" in response.content.decode()
    link = render_to_string("inventories/includes/version_pdf_link.html", {"version": version})
    assert "PDF-kopian av version 1 skapas" in link

    # The broker is back (tasks inline here): the sweeper renders it and sends one receipt.
    broken_broker.conf.task_always_eager = True
    with time_machine.travel(IN_ROUND + datetime.timedelta(minutes=10), tick=False):
        assert tasks.versions_sweep_missing_pdfs() == {"renders": 1, "receipts": 0}
    with time_machine.travel(IN_ROUND + datetime.timedelta(minutes=20), tick=False):
        assert tasks.versions_sweep_missing_pdfs() == {"renders": 0, "receipts": 0}

    document.refresh_from_db()
    assert document.status == VersionDocument.Status.READY
    assert len(stored_files()) == 1
    assert [m.to for m in mail.outbox] == [[contact.email], [settings.STAFF_MAILBOX]]
    response = client.get(pdf_url(version))
    assert response["Content-Type"] == "application/pdf"
    assert response.content == stored_files()[0].read_bytes()


@pytest.mark.django_db
def test_the_sweeper_sends_a_receipt_that_did_not_leave(region, contact, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    version = submit_inventory(region=region, user=contact)
    tasks.version_render_pdf.apply(args=[version.pk])  # the receipt fails: no SMTP server
    document = VersionDocument.objects.get(version=version)
    assert document.status == VersionDocument.Status.READY
    assert document.receipt_sent_at is None
    rows = OutboxMessage.objects.filter(group=records.version_receipt_group(version.pk))
    assert {row.status for row in rows} == {"pending"}
    assert all("ConnectionRefusedError" in row.last_error for row in rows)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = document.rendered_at + datetime.timedelta(minutes=10)  # past the outbox's backoff
    with time_machine.travel(later, tick=False):
        assert tasks.versions_sweep_missing_pdfs() == {"renders": 0, "receipts": 1}
        assert tasks.versions_sweep_missing_pdfs() == {"renders": 0, "receipts": 0}
    assert [m.to for m in mail.outbox] == [[contact.email], [settings.STAFF_MAILBOX]]


@pytest.mark.django_db
def test_the_render_task_is_idempotent(region, contact):
    version = submit_inventory(region=region, user=contact)
    assert tasks.version_render_pdf.apply(args=[version.pk]).get() == "ready"
    [path] = stored_files()
    first = (path.read_bytes(), path.stat().st_mtime_ns)
    assert tasks.version_render_pdf.apply(args=[version.pk]).get() == "ready"
    assert stored_files() == [path]
    assert (path.read_bytes(), path.stat().st_mtime_ns) == first
    assert [m.to for m in mail.outbox] == [[contact.email], [settings.STAFF_MAILBOX]]
    assert tasks.version_send_receipt.apply(args=[version.pk]).get() is False
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_render_failure_is_retried_then_left_failed_and_the_submission_intact(
    region, contact, client, monkeypatch, django_capture_on_commit_callbacks
):
    def broken_renderer(version):
        raise RuntimeError("Pango kraschade")

    monkeypatch.setattr("inventories.pdf.inventory_version_pdf", broken_renderer)
    retries = []
    original_retry = tasks.version_render_pdf.retry

    def counting_retry(*args, **kwargs):
        retries.append(kwargs["countdown"])
        return original_retry(*args, **kwargs)

    monkeypatch.setattr(tasks.version_render_pdf, "retry", counting_retry)
    # As with ``make run``: inline tasks retry inline instead of raising into the caller.
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            version = submit_inventory(region=region, user=contact)
    finally:
        app.conf.task_eager_propagates = propagates

    document = VersionDocument.objects.get(version=version)
    assert document.status == VersionDocument.Status.FAILED
    assert document.last_error == "RuntimeError: Pango kraschade"
    assert document.attempts == tasks.PDF_RENDER_MAX_RETRIES + 1
    assert retries == [30, 60, 120, 240, 480]  # backoff between the attempts
    assert stored_files() == [] and mail.outbox == []
    # The submission itself is untouched.
    version.refresh_from_db()
    assert sha256_hex(version.snapshot_json) == version.sha256
    assert Inventory.objects.get(pk=version.inventory_id).status == Inventory.Status.SUBMITTED
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SUBMITTED).count() == 1
    client.force_login(contact)
    page = client.get(pdf_url(version)).content.decode()
    assert "PDF-kopian är inte klar än" in page
    assert "Pango" not in page  # the error text is for staff


def test_the_tasks_have_time_limits_and_the_sweeper_runs_on_beat():
    for task in (tasks.version_render_pdf, tasks.version_send_receipt):
        assert 0 < task.soft_time_limit < task.time_limit <= 300
    assert settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD > 0
    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "inventories.tasks.versions_sweep_missing_pdfs"
    ]
    assert entry["task"] in app.tasks


@pytest.mark.broker
def test_a_real_worker_renders_the_pdf_and_the_receipt_reaches_smtp(
    celery_worker, smtp_sink, region, contact
):
    version = submit_inventory(region=region, user=contact)

    messages = smtp_sink.wait_for(2, timeout=60)
    assert len(messages) == 2, "the worker did not send the receipt and the staff notice"
    document = VersionDocument.objects.get(version=version)
    assert document.status == VersionDocument.Status.READY
    [stored] = stored_files()

    by_recipient = {tuple(m["to"]): m["message"] for m in messages}
    receipt = by_recipient[(contact.email,)]
    assert receipt["Reply-To"] == settings.STAFF_MAILBOX
    assert "Kvitto: Region Skånes behovsinventering" in receipt["Subject"]
    body = receipt.get_body(preferencelist=("plain",))
    html = receipt.get_body(preferencelist=("html",))
    assert version.sha256 in body.get_content() and version.sha256 in html.get_content()
    [attachment] = list(receipt.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == PDF_NAME
    assert attachment.get_content() == stored.read_bytes()
    assert "Region Skåne" in pdf_text(attachment.get_content())

    notice = by_recipient[(settings.STAFF_MAILBOX,)]
    assert (
        f"{settings.SITE_URL}/region/region-skane/2019/version/1/"
        in notice.get_body(preferencelist=("plain",)).get_content()
    )
