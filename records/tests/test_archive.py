"""The archival package of a round: a BagIt bag that validates and matches the record."""

import hashlib
import tarfile
import time
from datetime import timedelta
from pathlib import Path

import bagit
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from inventories.models import Attachment, InventoryVersion, VersionDocument
from inventories.services import inventory_return_for_completion, inventory_submit
from inventories.services.attachments import attachment_upload
from inventories.services.records import version_pdf_filename
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.pages import IN_ROUND
from records import archive
from records.models import ArchivalPackage
from regions.tests.factories import ContactPersonFactory
from staff.tests.review_helpers import RESUBMIT_DAY, REVIEW_DAY, store_pdf

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40


def clean_upload(inventory, user, content, name, kind="strategy"):
    """Upload a file and mark it clean, as a scan by clamd does (the scan has its own tests)."""
    attachment = attachment_upload(
        inventory=inventory,
        user=user,
        uploaded_file=SimpleUploadedFile(name, content),
        kind=kind,
        description="",
    )
    Attachment.objects.filter(pk=attachment.pk).update(status=Attachment.Status.CLEAN)
    return attachment


@pytest.fixture
def seeded(region, other_region, contact, staff_user):
    """Skåne: v1 (two attachments, PDF) and v2 (a third file with v1's name, no PDF yet);
    Stockholm: v1 (one attachment, PDF). Six attachment files, two PDFs, one missing."""
    round_ = round_2019()
    stockholm_contact = ContactPersonFactory(region=other_region).user
    with time_machine.travel(IN_ROUND, tick=False):
        skane = open_inventory(round=round_, region=region, user=contact)
        clean_upload(skane, contact, PDF, "RUS.pdf")
        clean_upload(skane, contact, PNG + b"karta", "Karta Skåne.png", kind="analysis")
        skane_v1 = inventory_submit(inventory=skane, user=contact)
        stockholm = open_inventory(round=round_, region=other_region, user=stockholm_contact)
        clean_upload(stockholm, stockholm_contact, PDF + b"% Stockholm\n", "beslut.pdf")
        stockholm_v1 = inventory_submit(inventory=stockholm, user=stockholm_contact)
    with time_machine.travel(REVIEW_DAY, tick=False):
        inventory_return_for_completion(inventory=skane, actor=staff_user, message="Mer underlag.")
    with time_machine.travel(RESUBMIT_DAY, tick=False):
        skane.refresh_from_db()
        clean_upload(skane, contact, PDF + b"% ny version\n", "RUS.pdf", kind="board_decision")
        skane_v2 = inventory_submit(inventory=skane, user=contact)
    store_pdf(skane_v1)
    store_pdf(stockholm_v1)
    return {"round": round_, "versions": [skane_v1, skane_v2, stockholm_v1]}


def build(round_, user, django_capture_on_commit_callbacks) -> ArchivalPackage:
    with django_capture_on_commit_callbacks(execute=True):
        package = archive.archival_package_request(round=round_, user=user)
    package.refresh_from_db()
    return package


def unpack(package, target: Path) -> Path:
    with package.file.open("rb") as handle, tarfile.open(fileobj=handle) as packed:
        packed.extractall(target, filter="data")
    [bag_dir] = list(target.iterdir())
    return bag_dir


def stored_sha256(name: str) -> str:
    with default_storage.open(name, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def test_the_package_validates_and_every_file_matches_the_record(
    seeded, staff_user, tmp_path, django_capture_on_commit_callbacks
):
    package = build(seeded["round"], staff_user, django_capture_on_commit_callbacks)

    assert package.status == ArchivalPackage.Status.READY, package.error
    assert package.progress == 100
    assert package.requested_by == staff_user
    assert stored_sha256(package.file.name) == package.sha256
    assert default_storage.size(package.file.name) == package.size
    bag_dir = unpack(package, tmp_path / "unpacked")
    bag = bagit.Bag(str(bag_dir))
    bag.validate()  # raises on any missing, extra or changed file
    assert bag.algorithms == ["sha256"]

    expected = {}
    for version in seeded["versions"]:
        folder = f"data/{version.inventory.region.slug}/{version.number}"
        expected[f"{folder}/snapshot.json"] = version.sha256
        document = VersionDocument.objects.filter(version=version, status="ready").first()
        if document is not None:
            assert stored_sha256(document.file.name) == document.sha256
            expected[f"{folder}/{version_pdf_filename(version)}"] = document.sha256
        names = []
        for row in version.snapshot["attachments"]:
            stored = Attachment.objects.get(pk=row["id"])
            # The stored file (storage), the snapshot's record and the package agree.
            assert stored_sha256(stored.file.name) == row["sha256"]
            name = row["name"] if row["name"] not in names else "RUS (2).pdf"
            names.append(row["name"])
            expected[f"{folder}/attachments/{name}"] = row["sha256"]

    payload = {
        path.relative_to(bag_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (bag_dir / "data").rglob("*")
        if path.is_file()
    }
    assert payload == expected
    assert {
        path: hashes["sha256"] for path, hashes in bag.entries.items() if path.startswith("data/")
    } == expected
    skane_v2 = seeded["versions"][1]
    snapshot = bag_dir / "data" / "region-skane" / "2" / "snapshot.json"
    assert snapshot.read_text(encoding="utf-8") == skane_v2.snapshot_json

    info = bag.info
    assert info["Source-Organization"] == "Tillväxtverket"
    assert info["Round"] == seeded["round"].name
    assert info["Region"] == ["01 Region Stockholm", "12 Region Skåne"]
    assert (info["Region-Count"], info["Version-Count"]) == ("2", "3")
    assert (info["PDF-Count"], info["Missing-PDF-Count"], info["Attachment-Count"]) == (
        "2",
        "1",
        "6",
    )
    assert info["Missing-PDF"] == "Region Skåne v2"
    assert info["Bagging-Date"] == timezone.localdate().isoformat()
    assert info["Earliest-Submission"].startswith("2019-11-15T10:00:00")
    assert info["Latest-Submission"].startswith("2019-12-10T14:00:00")
    description = info["External-Description"]
    assert "3 inskickade versioner från 2 regioner" in description
    assert "2 PDF-kopior och 6 bilagefiler" in description
    assert "PDF-kopia saknas för: Region Skåne v2." in description
    assert (package.region_count, package.version_count, package.pdf_count) == (2, 3, 2)
    assert (package.missing_pdf_count, package.attachment_count) == (1, 6)


def test_a_damaged_attachment_fails_the_build_and_nothing_is_offered(
    seeded, staff_user, client, django_capture_on_commit_callbacks
):
    row = seeded["versions"][2].snapshot["attachments"][0]
    stored = Attachment.objects.get(pk=row["id"])
    with default_storage.open(stored.file.name, "wb") as handle:
        handle.write(b"%PDF-1.7 changed after submission")

    package = build(seeded["round"], staff_user, django_capture_on_commit_callbacks)

    assert package.status == ArchivalPackage.Status.FAILED
    assert "Region Stockholm v1: bilagan beslut.pdf stämmer inte med sin SHA-256" in package.error
    assert not package.file and not package.sha256
    assert not default_storage.exists(archive.archival_package_storage_name(package))
    client.force_login(staff_user)
    url = reverse("records:archival_package_download", args=["2019", package.pk])
    assert client.get(url).status_code == 404
    page = client.get(reverse("records:archival_packages", args=["2019"])).content.decode()
    assert "Misslyckades" in page and "beslut.pdf" in page


def test_building_again_is_safe_and_a_crashed_attempt_is_never_offered(
    seeded, staff_user, client, django_capture_on_commit_callbacks
):
    round_ = seeded["round"]
    # A run that died after writing its file but before recording it: still "building".
    package = ArchivalPackage.objects.create(
        round=round_,
        requested_by=staff_user,
        status=ArchivalPackage.Status.BUILDING,
        started_at=timezone.now(),
        attempts=1,
        progress=94,
    )
    leftover = default_storage.save(
        archive.archival_package_storage_name(package), ContentFile(b"half a tar")
    )
    client.force_login(staff_user)
    download = reverse("records:archival_package_download", args=["2019", package.pk])
    assert client.get(download).status_code == 404
    # While it is (apparently) being built, another delivery and another request change nothing.
    assert archive.archival_package_build(package_id=package.pk).status == "building"
    with django_capture_on_commit_callbacks(execute=True):
        assert archive.archival_package_request(round=round_, user=staff_user) == package
    assert ArchivalPackage.objects.count() == 1

    # An hour later the worker is known lost: asking again marks it failed and builds anew.
    later = timezone.now() + archive.BUILD_STALE_AFTER + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        fresh = build(round_, staff_user, django_capture_on_commit_callbacks)
    package.refresh_from_db()
    assert package.status == ArchivalPackage.Status.FAILED and not package.file
    assert fresh.status == ArchivalPackage.Status.READY

    # The stale package's own build, delivered late, does nothing either.
    assert archive.archival_package_build(package_id=package.pk).status == "failed"
    # A ready package built again stays exactly as it was.
    again = archive.archival_package_build(package_id=fresh.pk)
    assert (again.file.name, again.sha256, again.attempts) == (
        fresh.file.name,
        fresh.sha256,
        fresh.attempts,
    )
    # A leftover under a stale package's name is replaced when that package is built.
    ArchivalPackage.objects.filter(pk=package.pk).update(status="pending", error="")
    ArchivalPackage.objects.filter(pk=fresh.pk).update(status="ready")
    rebuilt = archive.archival_package_build(package_id=package.pk)
    assert rebuilt.status == "ready"
    assert rebuilt.file.name == leftover
    assert stored_sha256(leftover) == rebuilt.sha256 != hashlib.sha256(b"half a tar").hexdigest()

    response = client.get(download)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == rebuilt.sha256
    assert response["Content-Type"] == "application/x-tar"
    assert f"behovsinventering-2019-arkivpaket-{package.pk}.tar" in response["Content-Disposition"]


def test_the_page_starts_one_package_and_shows_progress(
    seeded, staff_user, client, django_capture_on_commit_callbacks, settings
):
    client.force_login(staff_user)
    url = reverse("records:archival_packages", args=["2019"])
    board = client.get(reverse("staff:board", args=["2019"])).content.decode()
    assert f'href="{url}"' in board

    page = client.get(url).content.decode()
    assert "Inga arkivpaket ännu." in page and "Bygg ett nytt arkivpaket" in page

    # With tasks not run (a worker busy elsewhere), the page shows the package waiting.
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url)
    assert response.status_code == 302
    package = ArchivalPackage.objects.get()
    ArchivalPackage.objects.filter(pk=package.pk).update(status="building", progress=40)
    page = client.get(url).content.decode()
    assert '<progress id="archive-progress" class="d-block w-100" max="100" value="40">' in page
    assert "Bygg ett nytt arkivpaket" not in page
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url)
    assert ArchivalPackage.objects.count() == 1

    # Still waiting (its queueing failed): the page offers to start it again, the same package.
    ArchivalPackage.objects.filter(pk=package.pk).update(status="pending", progress=0)
    assert "Starta bygget igen" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert ArchivalPackage.objects.count() == 1
    package.refresh_from_db()
    assert package.status == "ready"
    page = client.get(url).content.decode()
    download = reverse("records:archival_package_download", args=["2019", package.pk])
    assert f'href="{download}"' in page and package.sha256 in page
    assert "2 regioner, 3 versioner, 2 PDF-kopior, 6 bilagefiler" in page


def test_the_sweeper_queues_a_package_still_waiting(seeded, staff_user, settings):
    from records.tasks import archival_packages_sweep

    package = ArchivalPackage.objects.create(round=seeded["round"], requested_by=staff_user)
    assert archival_packages_sweep.apply().get() == 0  # just asked for: not yet
    with time_machine.travel(timezone.now() + archive.WAITING_GRACE + timedelta(seconds=1)):
        assert archival_packages_sweep.apply().get() == 1
    package.refresh_from_db()
    assert package.status == ArchivalPackage.Status.READY
    assert archival_packages_sweep.apply().get() == 0
    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "records.tasks.archival_packages_sweep"
    ]
    assert entry["schedule"].total_seconds() == 600


def test_the_task_is_registered_with_time_limits():
    from portal.celery import app
    from records.tasks import archival_package_build

    assert archival_package_build.name in app.tasks
    assert 0 < archival_package_build.soft_time_limit < archival_package_build.time_limit
    assert archival_package_build.time_limit < archive.BUILD_STALE_AFTER.total_seconds()


@pytest.mark.broker
def test_a_real_worker_builds_the_package(celery_worker, region, contact, staff_user, tmp_path):
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=contact)
        clean_upload(inventory, contact, PDF, "RUS.pdf")
        version = inventory_submit(inventory=inventory, user=contact)

    package = archive.archival_package_request(round=round_2019(), user=staff_user)

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        package.refresh_from_db()
        if package.status in ("ready", "failed"):
            break
        time.sleep(0.1)
    assert package.status == ArchivalPackage.Status.READY, package.error
    bag_dir = unpack(package, tmp_path / "unpacked")
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    assert bag.info["Version-Count"] == "1" and bag.info["Attachment-Count"] == "1"
    assert (bag_dir / "data/region-skane/1/attachments/RUS.pdf").read_bytes() == PDF
    assert InventoryVersion.objects.get() == version
