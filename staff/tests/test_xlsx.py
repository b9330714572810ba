"""The streaming XLSX writer, read back with openpyxl: every cell's value, type and format, the
text that XML cannot hold as it is, the sheets' widths, frozen panes and autofilters, and the
workbook's exports of a round against the tables they come from."""

import datetime
import gc
import io
import zipfile

import pytest
from openpyxl import load_workbook

from staff.exports import round_export, write_export_workbook, write_round_workbook
from staff.exports.columns import BOOL, DATE, DATETIME, INT, KRONOR, LONG_TEXT, TEXT
from staff.exports.xlsx import HEADER, TITLE, Workbook, column_letter

KINDS = [TEXT, LONG_TEXT, INT, KRONOR, DATE, DATETIME, BOOL]
FORMATS = {KRONOR: '#,##0 "kr"', DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm"}
ROWS = [
    [
        "Region Skåne",
        "Rad ett\nrad två – åäö ÅÄÖ € 😀",
        1,
        1_350_000,
        datetime.date(2020, 3, 1),
        datetime.datetime(2019, 11, 15, 10, 0),  # noqa: DTZ001 (naive in the file)
        True,
    ],
    [
        '=HYPERLINK("http://example.com","klicka")',
        "A & B <b>fet</b> > C ]]> 'citat' \"dubbla\" {0} %s",
        0,
        -25,
        datetime.date(2099, 12, 31),
        datetime.datetime(2026, 2, 28, 23, 59),  # noqa: DTZ001
        False,
    ],
    ["  luft runt  ", "\ttabb", 10**12, 0, None, None, None],
    [None, "", None, None, None, None, None],
    ["+46 70", "-minus", True, 7, None, datetime.datetime(2020, 1, 1, 0, 0, 30), False],  # noqa: DTZ001
]


def _write(rows, kinds=KINDS, **options) -> bytes:
    target = io.BytesIO()
    workbook = Workbook(target)
    sheet = workbook.sheet("Blad & <ett>", [float(8 + i) for i in range(len(kinds))], **options)
    sheet.styled_row([f"Rubrik {kind}" for kind in kinds], HEADER)
    assert sheet.typed_rows(kinds, rows) == len(rows)
    workbook.end_sheet(autofilter=True)
    workbook.close()
    return target.getvalue()


def test_every_value_comes_back_with_its_type_and_format():
    sheet = load_workbook(io.BytesIO(_write(ROWS, freeze="C2")))["Blad & <ett>"]
    assert [cell.value for cell in sheet[1]] == [f"Rubrik {kind}" for kind in KINDS]
    assert all(cell.font.b and cell.alignment.wrap_text for cell in sheet[1])
    for expected, cells in zip(ROWS, sheet.iter_rows(min_row=2), strict=True):
        for kind, value, cell in zip(KINDS, expected, cells, strict=True):
            if value is None or value == "":
                assert cell.value is None, cell.coordinate
                continue
            if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                value = datetime.datetime.combine(value, datetime.time())
            assert cell.value == value and type(cell.value) is type(value), cell.coordinate
            assert cell.data_type == {str: "s", bool: "b", datetime.datetime: "d"}.get(
                type(value), "n"
            )
            if not isinstance(value, bool):
                assert cell.number_format == FORMATS.get(kind, "General"), cell.coordinate


def test_a_text_is_never_a_formula_and_keeps_its_spaces():
    sheet = load_workbook(io.BytesIO(_write(ROWS)))["Blad & <ett>"]
    formula = sheet["A3"]
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK(")
    assert sheet["A4"].value == "  luft runt  " and sheet["B4"].value == "\ttabb"
    raw = zipfile.ZipFile(io.BytesIO(_write(ROWS))).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in raw and 't="str"' not in raw


def test_control_characters_that_xml_cannot_hold_are_left_out():
    rows = [["bell\x07 and form feed\x0c and nul\x00", "vertical\x0btab", 1, 1, None, None, True]]
    sheet = load_workbook(io.BytesIO(_write(rows)))["Blad & <ett>"]
    assert sheet["A2"].value == "bell and form feed and nul"
    assert sheet["B2"].value == "verticaltab"


def test_widths_frozen_panes_and_autofilter():
    workbook = load_workbook(io.BytesIO(_write(ROWS, freeze="C2")))
    assert workbook.sheetnames == ["Blad & <ett>"]
    sheet = workbook.active
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:G{len(ROWS) + 1}"
    assert [sheet.column_dimensions[column_letter(i)].width for i in range(1, 8)] == [
        8,
        9,
        10,
        11,
        12,
        13,
        14,
    ]
    assert load_workbook(io.BytesIO(_write(ROWS, freeze="A2"))).active.freeze_panes == "A2"
    assert load_workbook(io.BytesIO(_write(ROWS))).active.freeze_panes is None


def test_stacked_tables_titles_and_blank_rows():
    target = io.BytesIO()
    workbook = Workbook(target)
    sheet = workbook.sheet("Sammanfattning", [20, 10, 10])
    sheet.styled_row(["Första"], TITLE)
    sheet.styled_row(["Mått", "Antal"], HEADER)
    sheet.typed_rows([TEXT, INT], [["Insatser", 5], ["Mål", 3]])
    sheet.blank_row()
    sheet.styled_row(["Andra"], TITLE)
    sheet.typed_rows([TEXT, INT, KRONOR], [["Totalt", 1, 2]])
    workbook.end_sheet()
    workbook.close()
    sheet = load_workbook(io.BytesIO(target.getvalue()))["Sammanfattning"]
    assert list(sheet.iter_rows(values_only=True)) == [
        ("Första", None, None),
        ("Mått", "Antal", None),
        ("Insatser", 5, None),
        ("Mål", 3, None),
        (None, None, None),
        ("Andra", None, None),
        ("Totalt", 1, 2),
    ]
    assert sheet["A1"].font.b and sheet["A1"].font.sz == 12
    assert sheet.auto_filter.ref is None


def test_a_value_of_no_spreadsheet_type_is_refused():
    with pytest.raises(TypeError):
        _write([[object(), "", 1, 1, None, None, True]])


def test_column_letters():
    assert [column_letter(n) for n in (1, 26, 27, 52, 53, 702, 703, 16384)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
        "XFD",
    ]


@pytest.mark.django_db
def test_the_round_workbook_holds_every_table_cell_for_cell(seeded_round):
    """Every sheet against the table it is written from: each cell's value and type."""
    target = io.BytesIO()
    write_export_workbook(round_export(seeded_round), target)
    workbook = load_workbook(io.BytesIO(target.getvalue()))
    export = round_export(seeded_round)
    again = io.BytesIO()
    assert write_round_workbook(seeded_round, again) == len(list(export.main.rows)) == 21
    assert gc.isenabled()  # off while the snapshots live, on again afterwards
    export = round_export(seeded_round)
    for table in [export.main, *export.items]:
        rows = list(workbook[table.title].iter_rows(values_only=True))
        assert rows[0] == tuple(column.header for column in table.columns)
        expected = [tuple(_as_read(value) for value in row) for row in table.rows]
        assert rows[1:] == expected, table.title
        for expected_row, row in zip(expected, rows[1:], strict=True):
            assert [type(value) for value in row] == [type(value) for value in expected_row]
    summary = list(workbook["Sammanfattning"].iter_rows(values_only=True))
    width = max(len(table.columns) for table in export.summary)
    expected_summary = []
    for number, table in enumerate(export.summary):
        if number:
            expected_summary.append((None,) * width)
        expected_summary.append(_padded([table.title], width))
        expected_summary.append(_padded([column.header for column in table.columns], width))
        expected_summary += [_padded([_as_read(v) for v in row], width) for row in table.rows]
    assert summary == expected_summary


def _as_read(value):
    """A value as openpyxl reads it back: dates as midnight datetimes, "" as an empty cell."""
    if value == "":
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return datetime.datetime.combine(value, datetime.time())
    return value


def _padded(values, width) -> tuple:
    return tuple(values) + (None,) * (width - len(values))
