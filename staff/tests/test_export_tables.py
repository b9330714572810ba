"""The analysis-ready exports: the workbook read back with openpyxl (header in row 1, frozen,
autofilter, widths, typed cells, boolean columns, one amount column per year), its
"Sammanfattning" sheet against the synthesis page's numbers, the synthesis filters, the CSV
tables, and a query count that does not grow with the regions."""

import csv
import datetime
import io
import string
import zipfile

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from inventories.models import ActivityArea, Inventory, InventoryVersion
from inventories.tests.factories import open_inventory, round_2019
from regions.models import Region
from regions.tests.factories import ContactPersonFactory
from staff.exports import TABLE_SLUGS
from staff.synthesis import SynthesisFilter, round_synthesis
from staff.tests.review_helpers import IN_ROUND, submit_in_round

pytestmark = pytest.mark.django_db

# fill_inventory: intervention n costs 250 000·n and seeks 100 000·n (2020) and 50 000·n (2021),
# own 10 000·n and other 5 000 per year; areas research + collaboration, dimensions economic +
# social, effect business, priority high for n = 1 else medium; starts 2020-03-01. Each goal:
# effects business + trust, dimension economic, follow-up by gender, through intervention 1.
KRONOR = '#,##0 "kr"'


def _get(client, staff_user, name, **params):
    client.force_login(staff_user)
    response = client.get(reverse(f"staff:{name}", kwargs={"round_slug": "2019"}), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _workbook(client, staff_user, **params):
    return load_workbook(io.BytesIO(_get(client, staff_user, "export_xlsx", **params)))


def _records(sheet):
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _summary(workbook) -> dict[str, list[dict]]:
    """The "Sammanfattning" sheet split into its tables: title row, header row, rows, blank."""
    tables: dict[str, list[dict]] = {}
    rows = list(workbook["Sammanfattning"].iter_rows(values_only=True))
    index = 0
    while index < len(rows):
        title = rows[index][0]
        header = [value for value in rows[index + 1] if value is not None]
        index += 2
        records = []
        while index < len(rows) and any(value is not None for value in rows[index]):
            records.append(dict(zip(header, rows[index][: len(header)], strict=True)))
            index += 1
        tables[title] = records
        index += 1
    return tables


def test_every_data_sheet_has_its_header_in_row_1_frozen_and_filtered(
    client, staff_user, seeded_round
):
    workbook = _workbook(client, staff_user)
    assert workbook.sheetnames == [
        "Regioner",
        "Insatser",
        "Mål",
        "Effekter",
        "Budget",
        "Sammanfattning",
    ]
    counts = {"Regioner": 21, "Insatser": 5, "Mål": 3, "Effekter": 2, "Budget": 4}
    for title, count in counts.items():
        sheet = workbook[title]
        assert sheet["A1"].value == "Länskod" and sheet["A1"].font.b
        assert sheet.max_row == count + 1
        assert sheet.freeze_panes == ("C2" if title == "Regioner" else "A2")
        last = sheet.cell(row=1, column=sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A1:{last}{count + 1}"
    main = workbook["Regioner"]
    assert main.column_dimensions["B"].width == 24  # the region's name
    assert main.column_dimensions["I"].width == 50  # a long text of Del 1


def test_cells_are_typed_with_kronor_and_date_formats(client, staff_user, seeded_round):
    workbook = _workbook(client, staff_user)
    main = workbook["Regioner"]
    header = [cell.value for cell in main[1]]
    skane = next(row for row in main.iter_rows(min_row=2) if row[0].value == "12")
    cell = dict(zip(header, skane, strict=True))
    assert cell["Inskickad"].value == datetime.datetime(2019, 11, 15, 10, 0)  # noqa: DTZ001 (naive in the file)
    assert cell["Inskickad"].number_format == "yyyy-mm-dd hh:mm"
    assert cell["Budget totalt (kr)"].value == 100_000
    assert cell["Budget totalt (kr)"].number_format == KRONOR
    assert cell["Söks från programmet 2020 (kr)"].value == 300_000
    assert cell["Söks från programmet 2020 (kr)"].number_format == KRONOR
    assert cell["Antal insatser"].value == 2 and cell["Antal insatser"].data_type == "n"
    assert cell["I tid"].value is True and cell["I tid"].data_type == "b"
    assert cell["Utkast"].value is False

    items = workbook["Insatser"]
    header = [c.value for c in items[1]]
    first = dict(zip(header, items[2], strict=True))
    assert first["Start"].value == datetime.datetime(2020, 3, 1)  # noqa: DTZ001
    assert first["Start"].number_format == "yyyy-mm-dd"
    assert first["Beräknad kostnad (kr)"].number_format == KRONOR


def test_one_boolean_column_per_area_dimension_and_effect(client, staff_user, seeded_round):
    records = _records(_workbook(client, staff_user)["Insatser"])
    third = next(r for r in records if r["Länskod"] == "01" and r["Nr"] == 3)
    first = next(r for r in records if r["Länskod"] == "01" and r["Nr"] == 1)
    for record, areas, dimensions, effects in (
        (
            third,
            {"Utlysning av medel"},
            {"Miljömässig hållbarhet"},
            {"Starkare regionalt ledarskap"},
        ),
        (
            first,
            {
                "Sprida forskning",
                "Ökad samverkan och erfarenhetsutbyte mellan olika regionala aktörer",
            },
            {"Ekonomisk hållbarhet", "Social hållbarhet"},
            {"Mer diversifierat och omställningsbenäget näringsliv"},
        ),
    ):
        for prefix, chosen in (
            ("Insatsområde: ", areas),
            ("Dimension: ", dimensions),
            ("Effekt: ", effects),
        ):
            flags = {k.removeprefix(prefix): v for k, v in record.items() if k.startswith(prefix)}
            assert {label for label, on in flags.items() if on} == chosen
            assert all(isinstance(on, bool) for on in flags.values())
    assert {k for k in third if k.startswith("Insatsområde: ")} and len(
        [k for k in third if k.startswith("Insatsområde: ")]
    ) == 5
    # One amount column per programme year: intervention 3 seeks 300 000 in 2020, 150 000 in 2021.
    assert third["Söks från programmet 2020 (kr)"] == 300_000
    assert third["Söks från programmet 2021 (kr)"] == 150_000
    assert third["Söks från programmet 2022 (kr)"] == 0
    assert third["Egen medfinansiering 2020 (kr)"] == 30_000
    assert third["Prioritet"] == "Låg" and third["Version"] == 1 and third["Utkast"] is False


def test_summary_sheet_holds_the_synthesis_page_numbers(client, staff_user, seeded_round):
    """Summed both ways: the summary sheet and the item sheet against ``round_synthesis``."""
    s = round_synthesis(seeded_round)
    workbook = _workbook(client, staff_user)
    summary = _summary(workbook)
    assert list(summary) == [
        "Översikt",
        "Insatser per region och insatsområde",
        "Söks per region och insatsområde (kr)",
        "Per hållbarhetsdimension",
        "Per effekt på lång sikt",
        "Prioritet",
        "Intersektionellt perspektiv per region",
        "Kostnad per år",
    ]
    overview = {row["Mått"]: row for row in summary["Översikt"]}
    assert overview["Insatser"]["Antal"] == s.interventions == 5
    assert overview["Mål"]["Antal"] == s.goals == 3
    assert overview["Söks från programmet"]["Belopp"] == s.sought == 1_350_000
    assert overview["Programmets ram"]["Belopp"] == s.frame
    assert overview["Regioner: Inskickad"]["Antal"] == 2
    assert overview["Startkapital planerat"]["Belopp"] == s.budget_planned

    counts = {row["Region"]: row for row in summary["Insatser per region och insatsområde"]}
    sums = {row["Region"]: row for row in summary["Söks per region och insatsområde (kr)"]}
    for row in s.rows:
        for value, cell in row.area_cells:
            label = ActivityArea(value).label
            assert counts[row.region.name][str(label)] == cell.count
            assert sums[row.region.name][str(label)] == cell.sought
        assert counts[row.region.name]["Totalt"] == row.total.count
    assert counts["Totalt"]["Sprida forskning"] == 4 and counts["Totalt"]["Totalt"] == 5
    assert sums["Totalt"]["Totalt"] == s.sought

    dimensions = {row["Hållbarhetsdimension"]: row for row in summary["Per hållbarhetsdimension"]}
    for item in s.dimensions:
        assert dimensions[item.label]["Insatser"] == item.interventions.count
        assert dimensions[item.label]["Söks (kr)"] == item.interventions.sought
        assert dimensions[item.label]["Mål"] == item.goals
        assert dimensions[item.label]["Antal regioner"] == len(item.regions)
    effects = {row["Effekt"]: row for row in summary["Per effekt på lång sikt"]}
    assert effects["Ökad tillit"]["Mål"] == 3 and effects["Ökad tillit"]["Insatser"] == 0
    assert effects["Starkare regionalt ledarskap"]["Regioner"] == "Region Stockholm"
    priorities = {row["Prioritet"]: row["Insatser"] for row in summary["Prioritet"]}
    assert priorities == {"Hög": 2, "Medel": 2, "Låg": 1, "Ej angiven": 0}
    perspective = {row["Region"]: row for row in summary["Intersektionellt perspektiv per region"]}
    assert perspective["Totalt"]["Insatser: Kön"] == s.perspective_total["gender"] == 5
    assert perspective["Totalt"]["Mål följs upp efter: Kön"] == 3
    years = {row["År"]: row for row in summary["Kostnad per år"]}
    assert {year: row["Söks från programmet (kr)"] for year, row in years.items()} == {
        year.year: year.sought for year in s.years
    }

    # The other way: the item sheet's amounts add up to the same totals.
    items = _records(workbook["Insatser"])
    for year in s.years:
        assert sum(r[f"Söks från programmet {year.year} (kr)"] for r in items) == year.sought
    assert sum(years[year]["Söks från programmet (kr)"] for year in years) == s.sought


def test_the_synthesis_filters_apply_to_the_export(client, staff_user, seeded_round):
    workbook = _workbook(client, staff_user, area="funds")
    assert [r["Länskod"] for r in _records(workbook["Regioner"])] == ["01"]
    assert [(r["Länskod"], r["Nr"]) for r in _records(workbook["Insatser"])] == [("01", 3)]
    assert _records(workbook["Mål"]) == []  # goals are reached through intervention 1 only
    overview = {row["Mått"]: row for row in _summary(workbook)["Översikt"]}
    assert overview["Insatser"]["Antal"] == 1
    assert overview["Söks från programmet"]["Belopp"] == 450_000

    drafts = _workbook(client, staff_user, drafts="on", region="region-uppsala")
    regions = _records(drafts["Regioner"])
    assert [(r["Länskod"], r["Utkast"], r["Version"]) for r in regions] == [("03", True, None)]
    assert [(r["Länskod"], r["Utkast"]) for r in _records(drafts["Insatser"])] == [("03", True)]

    everything = _workbook(client, staff_user, status="submitted")
    assert sorted(r["Länskod"] for r in _records(everything["Regioner"])) == ["01", "12"]


def test_csv_gives_each_table_and_all_of_them_in_a_zip(client, staff_user, seeded_round):
    raw = _get(client, staff_user, "export_csv", tabell="insatser")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == 5
    third = next(r for r in records if r["Länskod"] == "01" and r["Nr"] == "3")
    assert third["Insatsområde: Utlysning av medel"] == "Ja"
    assert third["Insatsområde: Sprida forskning"] == "Nej"
    assert third["Söks från programmet 2020 (kr)"] == "300000"
    assert third["Start"] == "2020-03-01"

    filtered = _get(client, staff_user, "export_csv", tabell="insatser", area="funds")
    assert len(filtered.decode("utf-8-sig").strip().split("\r\n")) == 2

    client.force_login(staff_user)
    url = reverse("staff:export_csv", kwargs={"round_slug": "2019"})
    assert client.get(url, {"tabell": "nonsense"}).status_code == 404

    archive = zipfile.ZipFile(io.BytesIO(_get(client, staff_user, "export_csv_zip")))
    assert archive.namelist() == [f"{slug}.csv" for slug in TABLE_SLUGS]
    s = round_synthesis(seeded_round)
    matrix = archive.read("omraden-antal.csv")
    assert matrix.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(matrix.decode("utf-8-sig")), delimiter=";"))
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert total["Region"] == "Totalt" and int(total["Totalt"]) == s.interventions
    years = list(
        csv.DictReader(
            io.StringIO(archive.read("kostnad-per-ar.csv").decode("utf-8-sig")), delimiter=";"
        )
    )
    assert sum(int(row["Söks från programmet (kr)"]) for row in years) == s.sought


def test_contact_persons_get_no_export(client, contact, seeded_round):
    client.force_login(contact)
    for name in ("export_xlsx", "export_csv", "export_csv_zip", "export_pdf_zip"):
        response = client.get(
            reverse(f"staff:{name}", kwargs={"round_slug": "2019"}), {"tabell": "insatser"}
        )
        assert response.status_code == 404, name


def _copy_to(version, regions):
    """Submitted inventories with ``version``'s content for ``regions`` (bulk inserts)."""
    inventories = Inventory.objects.bulk_create(
        Inventory(round=version.inventory.round, region=region, status="submitted")
        for region in regions
    )
    InventoryVersion.objects.bulk_create(
        InventoryVersion(
            inventory=inventory,
            number=1,
            snapshot_json=version.snapshot_json,
            sha256=version.sha256,
            submitted_at=version.submitted_at,
            submitted_by=version.submitted_by,
            submitted_by_name=version.submitted_by_name,
            deadline=version.deadline,
        )
        for inventory in inventories
    )


#: Queries of one export request with drafts: the session, the user, the second factor and the
#: group (4), the round, the regions of the filter form, the three of ``export_rows``, and the
#: drafts' parts loaded together (7), whatever the number of regions.
EXPORT_BUDGET = 16


def _export_queries(client, params, view="export_xlsx") -> tuple[int, list[str]]:
    url = reverse(f"staff:{view}", kwargs={"round_slug": "2019"})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body.startswith(b"PK")
    return len(queries), [q["sql"][:120] for q in queries.captured_queries]


def test_the_export_runs_the_same_queries_for_21_and_290_regions(client, staff_user):
    """With drafts asked for (one region is editing) and a filter: the synthesis export."""
    params = {"drafts": "on", "area": "research"}
    first = submit_in_round(Region.objects.get(code="12"), interventions=30, goals=15)
    draft = Region.objects.get(code="05")
    with time_machine.travel(IN_ROUND, tick=False):
        open_inventory(
            round=round_2019(), region=draft, user=ContactPersonFactory(region=draft).user
        )
    _copy_to(first, list(Region.objects.exclude(code__in=["12", "05"])))
    client.force_login(staff_user)
    client.get(reverse("staff:board", kwargs={"round_slug": "2019"}))  # the session, the language
    with_21, sql_21 = _export_queries(client, params)
    csv_21, _sql = _export_queries(client, params, "export_csv_zip")
    assert with_21 <= EXPORT_BUDGET, "\n".join([str(with_21), *sql_21])

    codes = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase][:269]
    extra = Region.objects.bulk_create(
        Region(
            code=code, name=f"Testregion {code}", county_name=f"Testlän {code}", slug=f"t-{code}"
        )
        for code in codes
    )
    _copy_to(first, extra)
    assert Region.objects.filter(active=True).count() == 290
    with_290, sql_290 = _export_queries(client, params)
    assert with_290 == with_21, sql_290
    assert _export_queries(client, params, "export_csv_zip")[0] == csv_21 == with_21
    synthesis = round_synthesis(round_2019(), SynthesisFilter(drafts=True))
    assert synthesis.interventions == 289 * 30 + 2 and synthesis.drafts_counted == 1


def test_the_synthesis_page_offers_the_export_with_its_filter(client, staff_user, seeded_round):
    client.force_login(staff_user)
    url = reverse("staff:synthesis", kwargs={"round_slug": "2019"})
    page = client.get(url, {"area": "funds", "drafts": "on"}).content.decode()
    xlsx = reverse("staff:export_xlsx", kwargs={"round_slug": "2019"})
    csv_zip = reverse("staff:export_csv_zip", kwargs={"round_slug": "2019"})
    assert f'href="{xlsx}?area=funds&amp;drafts=on"' in page
    assert f'href="{csv_zip}?area=funds&amp;drafts=on"' in page
    records = _records(_workbook(client, staff_user, area="funds", drafts="on")["Insatser"])
    assert [(r["Länskod"], r["Nr"]) for r in records] == [("01", 3)]
