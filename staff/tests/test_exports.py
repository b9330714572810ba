"""Exports of a round: the workbook read back with openpyxl, the CSV, and the ZIP of PDFs."""

import csv
import hashlib
import io
import re
import zipfile

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from inventories.models import VersionDocument
from inventories.services import (
    current_state_save,
    inventory_return_for_completion,
    inventory_submit,
)
from inventories.snapshot import SCHEMA_VERSION
from inventories.tests.factories import open_inventory, round_2019
from regions.models import Region
from regions.tests.factories import ContactPersonFactory
from staff.exports import main_headers
from staff.tests.review_helpers import (
    IN_ROUND,
    RESUBMIT_DAY,
    REVIEW_DAY,
    store_pdf,
    submitted_inventory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported_round(region, contact, other_region, other_contact, staff_user):
    """Skåne: v1, returned, v2 with a smaller budget. Stockholm: v1 with 3 interventions.
    Uppsala: a draft only (its live text must not leak into the export)."""
    skane, _v1 = submitted_inventory(region=region, user=contact)
    with time_machine.travel(REVIEW_DAY, tick=False):
        inventory_return_for_completion(inventory=skane, actor=staff_user, message="Budget.")
    with time_machine.travel(RESUBMIT_DAY, tick=False):
        state = skane.current_state
        state.refresh_from_db()
        current_state_save(
            inventory=skane,
            user=contact,
            data={name: getattr(state, name) for name in state.TEXT_FIELDS},
            budget_lines=[{"description": "Processledning", "amount": 80_000}],
            revision=state.revision,
        )
        skane_v2 = inventory_submit(inventory=skane, user=contact)
    _stockholm, stockholm_v1 = submitted_inventory(
        region=other_region, user=other_contact, interventions=3, goals=1
    )
    uppsala = Region.objects.get(code="03")
    with time_machine.travel(IN_ROUND, tick=False):
        draft = open_inventory(
            round=round_2019(), region=uppsala, user=ContactPersonFactory(region=uppsala).user
        )
    draft.current_state.context = "UTKAST SOM INTE ÄR INSKICKAT"
    draft.current_state.save()
    return {"skane_v2": skane_v2, "stockholm_v1": stockholm_v1}


def _xlsx(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("staff:export_xlsx", kwargs={"round_slug": "2019"}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="behovsinventering-2019-'
    )
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_xlsx_has_one_row_per_region_with_the_latest_versions_totals(
    client, staff_user, exported_round
):
    workbook = _xlsx(client, staff_user)
    assert workbook.sheetnames == [
        "Regioner",
        "Insatser",
        "Mål",
        "Effekter",
        "Budget",
        "Sammanfattning",
    ]
    main = workbook["Regioner"]
    rows = list(main.iter_rows(values_only=True))
    header, data = list(rows[0]), rows[1:]
    assert header == main_headers(round_2019())
    assert len(data) == 21
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in data}
    assert len(by_code) == 21
    skane = by_code["12"]
    assert skane["Status"] == "Inskickad" and skane["Version"] == 2
    assert skane["Budget totalt (kr)"] == 80_000 and skane["Antal budgetrader"] == 1
    assert skane["Antal insatser"] == 2
    assert skane["Insatsernas totala kostnad (kr)"] == 250_000 + 500_000
    assert skane["Antal mål"] == 2
    assert skane["I tid"] is True and skane["Utkast"] is False
    assert skane["SHA-256 (inskickad version)"] == exported_round["skane_v2"].sha256
    stockholm = by_code["01"]
    assert stockholm["Antal insatser"] == 3
    assert stockholm["Insatsernas totala kostnad (kr)"] == 250_000 + 500_000 + 750_000
    assert stockholm["Antal mål"] == 1 and stockholm["Budget totalt (kr)"] == 100_000
    uppsala = by_code["03"]
    assert uppsala["Status"] == "Utkast" and uppsala["Version"] is None
    assert uppsala["Regionens förutsättningar"] is None
    assert by_code["09"]["Status"] == "Ej påbörjad"

    interventions = list(workbook["Insatser"].iter_rows(min_row=2, values_only=True))
    assert sorted((row[0], row[4]) for row in interventions) == [
        ("01", 1),
        ("01", 2),
        ("01", 3),
        ("12", 1),
        ("12", 2),
    ]
    headers = next(workbook["Insatser"].iter_rows(max_row=1, values_only=True))
    cost = headers.index("Beräknad kostnad (kr)")
    assert sum(row[cost] for row in interventions) == 750_000 + 1_500_000
    assert len(list(workbook["Mål"].iter_rows(min_row=2))) == 3
    assert len(list(workbook["Effekter"].iter_rows(min_row=2))) == 2
    budget = list(workbook["Budget"].iter_rows(min_row=2, values_only=True))
    assert sorted((row[0], row[6]) for row in budget) == [
        ("01", 40_000),
        ("01", 60_000),
        ("12", 80_000),
    ]
    assert "UTKAST SOM INTE ÄR INSKICKAT" not in str(list(main.values))


def test_export_shows_the_submitted_text_not_the_live_row(client, staff_user, region, contact):
    inventory, _v = submitted_inventory(region=region, user=contact)
    # Change the live row after submission: the export must still show the submitted text.
    inventory.current_state.context = "live text"
    inventory.current_state.save()
    from inventories.models import InventoryVersion

    version = InventoryVersion.objects.get(inventory=inventory)
    assert version.snapshot["part1"]["context"].startswith("Nuläge context")
    workbook = _xlsx(client, staff_user)
    row = next(r for r in workbook["Regioner"].iter_rows(min_row=2) if r[0].value == "12")
    assert row[8].value.startswith("Nuläge context") and row[8].data_type == "s"


def test_xlsx_never_turns_region_text_into_a_formula(client, staff_user, region, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=contact)
        inventory.current_state.context = '=HYPERLINK("http://example.com","klicka")'
        inventory.current_state.save()
        inventory_submit(inventory=inventory, user=contact)
    workbook = _xlsx(client, staff_user)
    cell = next(r for r in workbook["Regioner"].iter_rows(min_row=2) if r[0].value == "12")[8]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://example.com","klicka")'


def test_csv_is_the_main_sheet_for_swedish_excel(client, staff_user, exported_round):
    client.force_login(staff_user)
    response = client.get(reverse("staff:export_csv", kwargs={"round_slug": "2019"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == main_headers(round_2019())
    assert len(rows) == 22
    skane = dict(zip(rows[0], next(r for r in rows if r[0] == "12"), strict=True))
    assert skane["Budget totalt (kr)"] == "80000" and skane["Version"] == "2"
    assert skane["Inskickad"] == "2019-12-10 14:00"
    assert "Nuläge context: Skånes näringsliv – åäö ÅÄÖ." == skane["Regionens förutsättningar"]


def test_csv_defuses_formulas(client, staff_user, region, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=contact)
        inventory.current_state.context = "=1+2"
        inventory.current_state.work_social = "- en punktlista"
        inventory.current_state.save()
        inventory_submit(inventory=inventory, user=contact)
    client.force_login(staff_user)
    response = client.get(reverse("staff:export_csv", kwargs={"round_slug": "2019"}))
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    skane = dict(zip(rows[0], next(r for r in rows if r[0] == "12"), strict=True))
    assert skane["Regionens förutsättningar"] == "'=1+2"
    assert skane["Dagens arbete med social hållbarhet"] == "'- en punktlista"


def test_zip_holds_each_regions_latest_pdf_byte_for_byte(client, staff_user, exported_round):
    skane_v2, stockholm_v1 = exported_round["skane_v2"], exported_round["stockholm_v1"]
    # Skåne's version 1 has a PDF too: only the latest version belongs in the ZIP.
    store_pdf(skane_v2.inventory.versions.get(number=1), b"%PDF-1.7 old version 1")
    stored = {
        "12-region-skane-v2.pdf": store_pdf(skane_v2, b"%PDF-1.7\n\x00\xff Skane v2 binary\n%%EOF"),
        "01-region-stockholm-v1.pdf": store_pdf(stockholm_v1),
    }
    client.force_login(staff_user)
    response = client.get(reverse("staff:export_pdf_zip", kwargs={"round_slug": "2019"}))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    pdfs = sorted(name for name in archive.namelist() if name.endswith(".pdf"))
    assert pdfs == sorted(stored)
    for name, document in stored.items():
        with document.file.open("rb") as handle:
            assert archive.read(name) == handle.read()
        assert hashlib.sha256(archive.read(name)).hexdigest() == document.sha256
    manifest = archive.read("innehall.txt").decode()
    assert stored["01-region-stockholm-v1.pdf"].sha256 in manifest
    assert "VARNING" not in manifest


def test_zip_lists_regions_whose_pdf_is_not_ready(client, staff_user, region, contact):
    _inventory, version = submitted_inventory(region=region, user=contact)
    VersionDocument.objects.filter(version=version).delete()
    VersionDocument.objects.create(version=version, status=VersionDocument.Status.PENDING)
    client.force_login(staff_user)
    response = client.get(reverse("staff:export_pdf_zip", kwargs={"round_slug": "2019"}))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert [n for n in archive.namelist() if n.endswith(".pdf")] == []
    assert "12 Region Skåne v1" in archive.read("innehall.txt").decode()


def test_zip_of_really_rendered_copies_of_record(client, staff_user, region, contact):
    """With the PDFs rendered and stored by the copy-of-record service, the ZIP holds them as is."""
    from inventories.services.records import version_document_content, version_document_render

    _inventory, version = submitted_inventory(region=region, user=contact)
    document = version_document_render(version_id=version.pk)
    assert document.is_ready
    client.force_login(staff_user)
    response = client.get(reverse("staff:export_pdf_zip", kwargs={"round_slug": "2019"}))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert [n for n in archive.namelist() if n.endswith(".pdf")] == ["12-region-skane-v1.pdf"]
    content = archive.read("12-region-skane-v1.pdf")
    assert content.startswith(b"%PDF-") and content == version_document_content(document)


def test_the_new_fields_are_typed_columns_one_per_year(client, staff_user, exported_round):
    workbook = _xlsx(client, staff_user)
    rows = list(workbook["Regioner"].iter_rows(values_only=True))
    header = list(rows[0])
    years = [h for h in header if h.startswith("Söks från programmet ")]
    assert years == [f"Söks från programmet {year} (kr)" for year in (2020, 2021, 2022)]
    stockholm = dict(zip(header, next(r for r in rows[1:] if r[0] == "01"), strict=True))
    # The factory: intervention n seeks 100 000·n in 2020 and 50 000·n in 2021.
    assert stockholm["Söks från programmet 2020 (kr)"] == 100_000 * (1 + 2 + 3)
    assert stockholm["Söks från programmet 2021 (kr)"] == 50_000 * (1 + 2 + 3)
    assert stockholm["Söks från programmet 2022 (kr)"] == 0
    assert stockholm["Egen medfinansiering 2020 (kr)"] == 10_000 * (1 + 2 + 3)
    assert stockholm["Annan medfinansiering 2021 (kr)"] == 5_000 * 3
    assert stockholm["Schemaversion"] == SCHEMA_VERSION
    assert re.fullmatch(r"2019-\d{4}", stockholm["Diarienummer"])
    unsubmitted = [r for r in rows[1:] if r[header.index("Version")] is None]
    assert unsubmitted and all(r[header.index("Diarienummer")] is None for r in unsubmitted)
    assert isinstance(stockholm["Använt av startkapitalet (kr)"], int)
    assert stockholm["Nuläget ur ett intersektionellt perspektiv"].startswith("Nuläge perspective")

    sheet = list(workbook["Insatser"].iter_rows(values_only=True))
    columns = list(sheet[0])
    first = dict(
        zip(columns, next(r for r in sheet[1:] if r[0] == "01" and r[4] == 1), strict=True)
    )
    assert first["Prioritet"] == "Hög"
    assert first["Effekt: Mer diversifierat och omställningsbenäget näringsliv"] is True
    assert first["Effekt: Ökad tillit"] is False
    assert first["Söks från programmet 2020 (kr)"] == 100_000
    assert first["Egen medfinansiering 2021 (kr)"] == 10_000
    assert first["Annan medfinansiering 2022 (kr)"] == 0

    goals = list(workbook["Mål"].iter_rows(values_only=True))
    goal = dict(zip(goals[0], goals[1], strict=True))
    assert goal["Effekt: Mer diversifierat och omställningsbenäget näringsliv"] is True
    assert goal["Effekt: Ökad tillit"] is True
    assert goal["Effekt: Starkare regionalt ledarskap"] is False
    assert goal["Dimension: Ekonomisk hållbarhet"] is True
    assert goal["Dimension: Social hållbarhet"] is False
    assert goal["Följs upp efter: Kön"] is True and goal["Följs upp efter: Ålder"] is False
    assert goal["Insatser som leder dit"] == "Insats 1: Hållbar omställning"

    client.force_login(staff_user)
    response = client.get(reverse("staff:export_csv", kwargs={"round_slug": "2019"}))
    raw = b"".join(response.streaming_content).decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    row = dict(zip(csv_rows[0], next(r for r in csv_rows if r[0] == "01"), strict=True))
    assert row["Söks från programmet 2020 (kr)"] == "600000"


def test_zip_holds_each_versions_frozen_attachments_under_their_names(
    client, staff_user, region, contact
):
    """The attachments the latest version froze, by their sanitised names in the version's
    folder, byte for byte (SHA-256 as recorded); a quarantined file is not part of it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inventories.models import Attachment
    from inventories.services.attachments import attachment_upload

    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=contact)
        uploads = [
            ("Beslut: styrelsen?.pdf", pdf + b"% first\n"),
            ("beslut styrelsen.pdf", pdf + b"% second\n"),
            ("karta.png", png),
        ]
        for name, content in uploads:
            attachment_upload(
                inventory=inventory,
                user=contact,
                uploaded_file=SimpleUploadedFile(name, content),
                kind="analysis",
                description="",
            )
        Attachment.objects.update(status=Attachment.Status.CLEAN)
        quarantined = attachment_upload(
            inventory=inventory,
            user=contact,
            uploaded_file=SimpleUploadedFile("ej-klar.pdf", pdf),
            kind="other",
            description="",
        )
        Attachment.objects.filter(pk=quarantined.pk).update(
            status=Attachment.Status.INFECTED, signature="Eicar-Test-Signature"
        )
        version = inventory_submit(inventory=inventory, user=contact)
    store_pdf(version)
    listed = version.snapshot["attachments"]
    assert [row["name"] for row in listed] == [
        "Beslut_ styrelsen.pdf",
        "beslut styrelsen.pdf",
        "karta.png",
    ]
    client.force_login(staff_user)
    response = client.get(reverse("staff:export_pdf_zip", kwargs={"round_slug": "2019"}))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    folder = "12-region-skane-v1/"
    assert sorted(n for n in archive.namelist() if n.startswith(folder)) == [
        folder + "Beslut_ styrelsen.pdf",
        folder + "beslut styrelsen.pdf",
        folder + "karta.png",
    ]
    for row, (_name, content) in zip(listed, uploads, strict=True):
        data = archive.read(folder + row["name"])
        assert data == content
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
    manifest = archive.read("innehall.txt").decode()
    assert f"{folder}karta.png  SHA-256 {listed[2]['sha256']}" in manifest
    assert "VARNING" not in manifest and "ej-klar" not in str(archive.namelist())


def test_zip_marks_an_attachment_that_no_longer_matches_its_hash(
    client, staff_user, region, contact
):
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inventories.models import Attachment
    from inventories.services.attachments import attachment_upload

    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=contact)
        attachment_upload(
            inventory=inventory,
            user=contact,
            uploaded_file=SimpleUploadedFile("karta.png", png),
            kind="analysis",
            description="",
        )
        Attachment.objects.update(status=Attachment.Status.CLEAN)
        version = inventory_submit(inventory=inventory, user=contact)
    store_pdf(version)
    stored = Attachment.objects.get()
    with default_storage.open(stored.file.name, "wb") as handle:
        handle.write(png + b"tampered")
    client.force_login(staff_user)
    response = client.get(reverse("staff:export_pdf_zip", kwargs={"round_slug": "2019"}))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.read("12-region-skane-v1/karta.png") == png + b"tampered"
    manifest = archive.read("innehall.txt").decode()
    assert "12-region-skane-v1/karta.png" in manifest and "VARNING" in manifest
    version.document.refresh_from_db()
    assert "karta.png" in version.document.damage
