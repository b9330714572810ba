"""The CSV rendering of the exports, compared byte for byte with what ``csv.writer`` writes
(the way the files were written before the lines were built by hand), and the ZIP's dates."""

import csv
import datetime
import io
import json
import zipfile

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from inventories.models import InventoryVersion
from inventories.tests.factories import round_2019
from staff import exports
from staff.exports.columns import BOOL, DATE, DATETIME, INT, KRONOR, LONG_TEXT, TEXT, Table
from staff.exports.csv_files import (
    BOM,
    cell_texts,
    csv_filename,
    csv_line,
    csv_value,
    table_csv_lines,
)
from staff.synthesis import SynthesisFilter
from staff.tests.review_helpers import IN_ROUND

pytestmark = pytest.mark.django_db

TRICKY = [
    'Citat "så här"; och mer',
    "rad ett\r\nrad två",
    "bara\rCR",
    "bara\nLF",
    "=SUMMA(A1:A3)",
    "-minus",
    "+plus",
    "@at",
    "\tflik",
    "\rCR först",
    "",
    " mellanslag ",
    "semikolon;",
    '"',
    "'redan apostrof",
    "åäö – ‘typografi’ €",
]
KINDS = [TEXT, LONG_TEXT, INT, KRONOR, DATE, DATETIME, BOOL]


def _reference_lines(table: Table, yes="Ja", no="Nej"):
    """The former writer: ``csv.writer`` on ``csv_value`` of every cell."""

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo(), delimiter=";", lineterminator="\r\n")
    yield BOM
    yield writer.writerow([column.header for column in table.columns])
    for values in table.rows:
        yield writer.writerow([csv_value(value, yes, no) for value in values])


def _reference_files(export) -> dict[str, bytes]:
    return {
        csv_filename(table): "".join(_reference_lines(table)).encode() for table in export.tables
    }


def _zip_files(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def _make_tricky(round_) -> None:
    """A region (Södermanland) submitted with Skåne's version, but with texts that need quoting
    or defusing in every text a table shows (versions are immutable: a new one, as the exports
    bench makes them)."""
    from inventories.models import Inventory
    from inventories.snapshot import sha256_hex
    from regions.models import Region

    template = InventoryVersion.objects.get(inventory__round=round_, inventory__region__code="12")
    snapshot = json.loads(template.snapshot_json)
    part1, part3 = snapshot["part1"], snapshot["part3"]
    for n, name in enumerate(sorted(k for k, v in part1.items() if isinstance(v, str))):
        part1[name] = TRICKY[n % len(TRICKY)]
    for n, name in enumerate(sorted(k for k, v in part3.items() if isinstance(v, str))):
        part3[name] = TRICKY[(n + 3) % len(TRICKY)]
    for n, item in enumerate(snapshot["part2"]["interventions"]):
        item["title"] = TRICKY[n]
        item["description"] = "\r\n".join(TRICKY)
    for n, goal in enumerate(part3["goals"]):
        goal["goal"] = TRICKY[n + 5]
        goal["target_value"] = TRICKY[n + 6]
    for n, line in enumerate(part1.get("budget_lines", [])):
        line["description"] = TRICKY[n + 1]
    text = json.dumps(snapshot, ensure_ascii=False)
    inventory = Inventory.objects.create(
        round=round_, region=Region.objects.get(code="04"), status="submitted"
    )
    InventoryVersion.objects.bulk_create(
        [
            InventoryVersion(
                inventory=inventory,
                number=1,
                snapshot_json=text,
                sha256=sha256_hex(text),
                submitted_at=template.submitted_at,
                submitted_by=template.submitted_by,
                submitted_by_name=template.submitted_by_name,
                deadline=template.deadline,
            )
        ]
    )


@pytest.mark.parametrize("synthesis_filter", [None, SynthesisFilter(drafts=True)])
def test_every_file_of_the_zip_is_what_csv_writer_writes(seeded_round, synthesis_filter):
    _make_tricky(seeded_round)
    expected = _reference_files(exports.round_export(seeded_round, synthesis_filter))
    target = io.BytesIO()
    names = exports.write_round_csv_zip(seeded_round, target, synthesis_filter=synthesis_filter)
    files = _zip_files(target.getvalue())
    assert names == list(files) == list(expected) == [f"{s}.csv" for s in exports.TABLE_SLUGS]
    everything = b"".join(files.values())
    for defused_or_quoted in (
        "'=SUMMA(A1:A3)",
        '"Citat ""så här""; och mer"',
        '"rad ett\r\nrad två"',
    ):
        assert defused_or_quoted.encode() in everything
    for name, content in expected.items():
        assert files[name] == content, name


def test_one_table_streamed_is_what_csv_writer_writes(seeded_round):
    _make_tricky(seeded_round)
    for slug in exports.TABLE_SLUGS:
        expected = "".join(_reference_lines(exports.round_export(seeded_round).table(slug)))
        assert "".join(exports.round_csv_lines(seeded_round, table=slug)) == expected, slug


def test_each_kinds_cells_are_what_csv_writer_writes():
    """Every kind's fast path, and the values a kind does not expect, against the module."""
    values = [
        None,
        True,
        False,
        0,
        -5,
        1234567,
        1.5,
        datetime.date(2020, 3, 1),
        datetime.datetime(2019, 11, 15, 10, 7, 59),  # noqa: DTZ001 (naive, as the tables give)
        gettext_lazy("Skickad"),
        *TRICKY,
    ]
    for yes, no in (("Ja", "Nej"), ("Yes", "No"), ('"J"', "N;")):
        for kind in KINDS:
            rows = [[value] * len(KINDS) for value in values] + [values[: len(KINDS)]]
            table = Table("t", "t", [], rows)
            expected = list(_reference_lines(table, yes, no))[2:]
            texts = cell_texts([kind] * len(KINDS), yes, no)
            got = [csv_line(texts, row) + "\r\n" for row in rows]
            assert got == expected, kind
            lone = [[v] for v in values] + [[""], [None]]
            texts = cell_texts([kind], yes, no)
            expected = list(_reference_lines(Table("t", "t", [], lone), yes, no))[2:]
            assert [csv_line(texts, row) + "\r\n" for row in lone] == expected, kind


def test_a_long_table_comes_in_chunks_with_the_same_text():
    from staff.exports.columns import Column

    columns = [Column("Nr", INT), Column("Text", LONG_TEXT), Column("Ja?", BOOL)]
    rows = [[n, TRICKY[n % len(TRICKY)], n % 2 == 0] for n in range(2500)]
    chunks = list(table_csv_lines(Table("t", "t", columns, iter(rows))))
    assert len(chunks) == 3 and chunks[0].startswith(BOM + "Nr;Text;Ja?\r\n")
    expected = "".join(_reference_lines(Table("t", "t", columns, iter(rows))))
    assert "".join(chunks) == expected


def test_zip_entries_are_dated_when_the_export_was_asked_for(client, staff_user, seeded_round):
    asked = datetime.datetime(2019, 12, 3, 14, 25, 30, tzinfo=datetime.UTC)
    with time_machine.travel(asked, tick=False):
        client.force_login(staff_user)
        response = client.get(reverse("staff:export_csv_zip", kwargs={"round_slug": "2019"}))
    assert "-20191203-1525.csv.zip" in response["Content-Disposition"]  # Stockholm time
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert {info.date_time for info in archive.infolist()} == {(2019, 12, 3, 15, 25, 30)}

    target = io.BytesIO()
    exports.write_round_csv_zip(round_2019(), target, made_at=IN_ROUND)
    local = timezone.localtime(IN_ROUND)
    dates = {info.date_time for info in zipfile.ZipFile(target).infolist()}
    assert dates == {(local.year, local.month, local.day, local.hour, local.minute, 0)}
