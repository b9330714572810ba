"""Versions submitted before schema 2 stay readable: staff view, diff, exports and the PDF.

The first version here is stored exactly as a schema-1 submission was (the real submit service,
with the snapshot of that time: no money per year, priority, effects per goal, …); the second is
an ordinary schema-2 submission of the same inventory. Nothing stored is rewritten.
"""

import io
import re

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from inventories import snapshot as snapshot_module
from inventories.models import InventoryVersion
from inventories.pdf import inventory_version_pdf
from inventories.services import inventory as inventory_services
from inventories.services import inventory_return_for_completion, inventory_submit
from inventories.tests.records_helpers import pdf_text
from staff.diff import version_diff
from staff.tests.review_helpers import RESUBMIT_DAY, REVIEW_DAY, submitted_inventory

pytestmark = pytest.mark.django_db

SCHEMA_2_KEYS = {
    "round": ("years", "desired_end_state"),
    "part1": ("perspective", "spent_total"),
    "part2": ("year_totals",),
}


def as_schema_1(data: dict) -> dict:
    """A schema-2 snapshot as the portal wrote it before schema 2."""
    data["schema"] = 1
    for part, keys in SCHEMA_2_KEYS.items():
        for key in keys:
            data[part].pop(key)
    for line in data["part1"]["budget_lines"]:
        line.pop("spent")
    for item in data["part2"]["interventions"]:
        for key in ("priority", "effects", "years"):
            item.pop(key)
    for goal in data["part3"]["goals"]:
        for key in ("effects", "dimensions", "follow_up"):
            goal.pop(key)
    return data


@pytest.fixture
def two_schemas(monkeypatch, region, contact, staff_user):
    """Version 1 in schema 1, version 2 in schema 2, of Region Skåne's inventory."""
    real = snapshot_module.inventory_snapshot
    with monkeypatch.context() as patch:
        patch.setattr(
            inventory_services,
            "inventory_snapshot",
            lambda *args, **kwargs: as_schema_1(real(*args, **kwargs)),
        )
        inventory, old = submitted_inventory(region=region, user=contact)
    with time_machine.travel(REVIEW_DAY, tick=False):
        inventory_return_for_completion(
            inventory=inventory, actor=staff_user, message="Komplettera"
        )
    with time_machine.travel(RESUBMIT_DAY, tick=False):
        new = inventory_submit(inventory=inventory, user=contact)
    return InventoryVersion.objects.get(pk=old.pk), new


def test_the_stored_versions_keep_their_schema(two_schemas):
    old, new = two_schemas
    assert old.snapshot["schema"] == 1 and "years" not in old.snapshot["part2"]["interventions"][0]
    assert new.snapshot["schema"] == snapshot_module.SCHEMA_VERSION == 4


def test_a_schema_1_version_diffed_against_schema_2_shows_new_fields_as_added(two_schemas):
    old, new = two_schemas
    diff = version_diff(old.snapshot, new.snapshot)
    part1 = {change.field: change for change in diff.part1}
    assert list(part1) == ["perspective"]
    assert part1["perspective"].added and part1["perspective"].old == ""
    # The same interventions and goals, now with the schema-2 fields: added, nothing removed.
    assert {item.kind for item in diff.interventions + diff.goals} == {"changed"}
    first = diff.interventions[0]
    fields = {change.field: change for change in first.changes}
    assert set(fields) == {"priority", "effects", "years"}
    assert all(change.added for change in first.changes)
    assert fields["years"].new_display.startswith("2020: söks 100\u00a0000\u00a0kr")
    goal_fields = {change.field for change in diff.goals[0].changes}
    assert goal_fields == {"effects", "dimensions", "follow_up"}
    totals = {total.label: total for total in diff.totals}
    assert totals["Söks från programmet 2020"].old is None
    assert totals["Söks från programmet 2020"].new == 300_000


def test_staff_read_both_versions_and_the_diff_says_added(client, staff_user, region, two_schemas):
    client.force_login(staff_user)
    pages = []
    for number in (1, 2):
        response = client.get(
            reverse(
                "staff:version",
                kwargs={"round_slug": "2019", "region_slug": region.slug, "number": number},
            )
        )
        assert response.status_code == 200
        pages.append(re.sub(r"\s+", " ", response.content.decode()))
    old_page, new_page = pages
    assert "Pengar per år" not in old_page
    assert "Ny uppgift" in new_page
    assert "Uppgiften fanns inte i formuläret när version 1 skickades in." in new_page


def test_the_version_page_shows_each_interventions_money_per_year_as_a_table_of_years(
    client, staff_user, region, two_schemas
):
    _old, new = two_schemas
    client.force_login(staff_user)
    response = client.get(
        reverse(
            "staff:version",
            kwargs={"round_slug": "2019", "region_slug": region.slug, "number": new.number},
        )
    )
    page = response.content.decode()
    content = page[page.index('id="content-title"') :]
    tables = re.findall(r"<caption>Pengar per år</caption>(.*?)</table>", content, re.S)
    interventions = new.snapshot["part2"]["interventions"]
    assert len(tables) == len(interventions)
    for table, item in zip(tables, interventions, strict=True):
        rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", table)
        # One row per year of the snapshot, each with its year and four amounts in kronor.
        assert [year for year, _cells in rows] == [str(entry["year"]) for entry in item["years"]]
        for _year, cells in rows:
            amounts = re.findall(r'<td class="text-end">([^<]*)</td>', cells)
            assert len(amounts) == 4 and all(amount.endswith("kr") for amount in amounts)


def test_exports_leave_schema_2_columns_blank_for_a_schema_1_version(
    client, staff_user, region, contact, two_schemas, monkeypatch
):
    from staff import selectors

    old, _new = two_schemas
    # Export as if version 1 were still the latest: its schema-2 cells are empty, not zero.
    real = selectors.latest_versions

    def only_first(round_, **kwargs):
        return [v for v in real(round_, **kwargs) if v.pk != _new.pk] + [
            InventoryVersion.objects.select_related("inventory__region").get(pk=old.pk)
        ]

    monkeypatch.setattr(selectors, "latest_versions", only_first)
    client.force_login(staff_user)
    response = client.get(reverse("staff:export_xlsx", kwargs={"round_slug": "2019"}))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook["Regioner"].iter_rows(values_only=True))
    header = list(rows[0])
    skane = dict(zip(header, next(r for r in rows[1:] if r[0] == "12"), strict=True))
    assert skane["Version"] == 1
    assert skane["Schemaversion"] == 1
    assert skane["Söks från programmet 2020 (kr)"] is None
    assert skane["Använt av startkapitalet (kr)"] is None
    assert skane["Nuläget ur ett intersektionellt perspektiv"] is None
    interventions = list(workbook["Insatser"].iter_rows(values_only=True))
    columns = list(interventions[0])
    first = dict(zip(columns, interventions[1], strict=True))
    assert first["Prioritet"] is None and first["Söks från programmet 2021 (kr)"] is None
    # A field the version lacks is a blank cell in each of its boolean columns, not "false".
    assert first["Effekt: Ökad tillit"] is None
    assert first["Insatsområde: Sprida forskning"] is True


def test_the_pdf_of_a_schema_1_version_still_renders(two_schemas):
    old, new = two_schemas
    old_text = pdf_text(inventory_version_pdf(old))
    assert "Insats 1: Insats 1: Hållbar omställning" in old_text
    assert "Pengar per år" not in old_text
    assert "Effekter på lång sikt" in old_text
    assert "Pengar per år" in pdf_text(inventory_version_pdf(new))
