"""Integrity verification: re-hash every stored snapshot and PDF; flag, warn, report, export."""

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from inventories import tasks
from inventories.models import InventoryVersion, VersionDocument
from inventories.services import records
from inventories.tests.records_helpers import submit_inventory
from regions.models import Region
from regions.tests.factories import ContactPersonFactory

pytestmark = pytest.mark.django_db


def store_pdf(version, content=None) -> VersionDocument:
    """A stored, recorded PDF for ``version`` (bytes of our own: the check is on bytes)."""
    content = content or f"%PDF-1.7 version {version.pk}".encode()
    name = default_storage.save(records.version_pdf_storage_name(version), ContentFile(content))
    VersionDocument.objects.filter(version=version).update(
        status="ready",
        file=name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        rendered_at=timezone.now(),
        receipt_sent_at=timezone.now(),
    )
    return VersionDocument.objects.get(version=version)


def tamper_snapshot(version, old, new):
    """Change the stored text behind the ORM's back (on PostgreSQL past its trigger too, as a
    superuser could: with triggers switched off for the session)."""
    table = InventoryVersion._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            f"UPDATE {table} SET snapshot_json = replace(snapshot_json, %s, %s) WHERE id = %s",
            [old, new, version.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def stored_name(version) -> str:
    return VersionDocument.objects.get(version=version).file.name


@pytest.fixture
def three_versions():
    versions = {}
    for code in ("12", "01", "03"):
        region = Region.objects.get(code=code)
        user = ContactPersonFactory(region=region).user
        versions[code] = submit_inventory(region=region, user=user)
        store_pdf(versions[code])
    return versions


def verify(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(CommandError) as excinfo:
            call_command("verify_records")
    return excinfo.value


def test_all_intact_verifies_and_exits_zero(three_versions, capsys):
    call_command("verify_records")
    assert "3 versions checked, 0 damaged" in capsys.readouterr().out
    assert not VersionDocument.objects.exclude(damage="").exists()
    assert VersionDocument.objects.filter(verified_at__isnull=False).count() == 3
    assert mail.outbox == []


def test_tampered_snapshot_and_deleted_or_corrupted_pdfs_are_flagged_and_reported_once(
    three_versions, client, staff_user, django_capture_on_commit_callbacks, capsys
):
    skane, stockholm, uppsala = three_versions["12"], three_versions["01"], three_versions["03"]
    tamper_snapshot(skane, "Region Skåne", "Region Skåne (ändrad)")
    Path(settings.MEDIA_ROOT, stored_name(stockholm)).unlink()
    Path(settings.MEDIA_ROOT, stored_name(uppsala)).write_bytes(b"%PDF-1.7 altered")

    error = verify(django_capture_on_commit_callbacks)
    assert error.returncode == 1
    err = capsys.readouterr().err
    assert "DAMAGED 2019 12" in err and "DAMAGED 2019 01" in err and "DAMAGED 2019 03" in err

    damage = {d.version_id: d.damage for d in VersionDocument.objects.all()}
    assert "Innehållet (JSON) stämmer inte med sin SHA-256" in damage[skane.pk]
    assert "saknas" in damage[stockholm.pk]
    assert "stämmer inte med sin SHA-256" in damage[uppsala.pk]
    [report] = mail.outbox
    assert report.to == [settings.STAFF_MAILBOX]
    assert "3 inskickade versioner är skadade" in report.subject
    assert "Region Stockholm" in report.body and "Region Uppsala" in report.body

    # Run again (the weekly task): still non-zero, still flagged, no second e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.records_verify() == {"checked": 3, "damaged": 3}
    assert verify(django_capture_on_commit_callbacks).returncode == 1
    assert len(mail.outbox) == 1

    client.force_login(staff_user)
    # The version page warns; the board lists the damaged records.
    page = client.get(
        reverse(
            "staff:version",
            kwargs={"round_slug": "2019", "region_slug": "region-skane", "number": 1},
        )
    ).content.decode()
    assert "Varning: den lagrade kopian är skadad" in page
    board = client.get(reverse("staff:board", kwargs={"round_slug": "2019"})).content.decode()
    assert 'data-testid="damaged-records"' in board and "Region Stockholm" in board
    # The admin shows it.
    admin = client.get(reverse("admin:inventories_versiondocument_changelist") + "?damaged=1")
    assert admin.status_code == 200 and "Skadad" in admin.content.decode()

    # The CSV says "skadad" for each of them.
    response = client.get(reverse("staff:export_csv", kwargs={"round_slug": "2019"}))
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    by_code = {row[0]: row for row in rows[1:]}
    stored = rows[0].index("Lagrad kopia")
    assert {by_code[code][stored] for code in ("12", "01", "03")} == {"skadad"}
    assert by_code["04"][stored] == ""

    # The ZIP completes: the missing file is listed in the manifest, the changed one marked.
    response = client.get(reverse("staff:export_pdf_zip", kwargs={"round_slug": "2019"}))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert "01-region-stockholm-v1.pdf" not in names
    assert "03-region-uppsala-v1.pdf" in names and "12-region-skane-v1.pdf" in names
    manifest = archive.read("innehall.txt").decode()
    assert "Skadade eller saknade filer" in manifest
    assert "01 Region Stockholm v1: filen saknas" in manifest
    assert "03 Region Uppsala v1: avviker från lagrad SHA-256" in manifest


def test_a_damaged_snapshot_found_by_the_version_page_is_flagged(
    three_versions, client, staff_user, django_capture_on_commit_callbacks
):
    skane = three_versions["12"]
    tamper_snapshot(skane, "Region Skåne", "Region Skåne (ändrad)")
    client.force_login(staff_user)
    url = reverse(
        "staff:version", kwargs={"round_slug": "2019", "region_slug": "region-skane", "number": 1}
    )
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(url).content.decode()
    assert "Varning: den lagrade kopian är skadad" in page
    assert VersionDocument.objects.get(version=skane).is_damaged
    assert [m.to for m in mail.outbox] == [[settings.STAFF_MAILBOX]]


def test_a_restored_file_verifies_again(three_versions, django_capture_on_commit_callbacks):
    stockholm = three_versions["01"]
    path = Path(settings.MEDIA_ROOT, stored_name(stockholm))
    kept = path.read_bytes()
    path.unlink()
    verify(django_capture_on_commit_callbacks)
    assert VersionDocument.objects.get(version=stockholm).is_damaged

    path.write_bytes(kept)  # restored from the backup
    call_command("verify_records")
    document = VersionDocument.objects.get(version=stockholm)
    assert not document.is_damaged and document.damaged_at is None


def test_the_check_runs_weekly_on_beat():
    from portal.celery import app

    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "inventories.tasks.records_verify"
    ]
    assert entry["task"] in app.tasks
    assert entry["schedule"].day_of_week == {1}
