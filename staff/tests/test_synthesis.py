"""The synthesis of a round: matrices and totals from a seeded round with known numbers, the
filters, agreement with the workbook, and a query count that does not grow with the regions."""

import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from inventories.tests.factories import open_inventory, round_2019
from regions.models import Region
from regions.tests.factories import ContactPersonFactory
from staff.exports import write_round_workbook
from staff.synthesis import NO_PRIORITY, SynthesisFilter, round_synthesis
from staff.tests.review_helpers import IN_ROUND, copy_version, submit_in_round

pytestmark = pytest.mark.django_db

# fill_inventory: intervention n seeks 100 000·n (2020) and 50 000·n (2021), own 10 000·n and
# other 5 000 per year; areas research + collaboration, dimensions economic + social, effect
# business, priority high for n = 1 else medium. Each goal: effects business + trust, dimension
# economic, follow-up by gender, reached through intervention 1. Budget 60 000 + 40 000.


def _by_value(breakdowns):
    return {item.value: item for item in breakdowns}


def test_overview_counts_the_submitted_versions_against_the_frame(seeded_round):
    s = round_synthesis(seeded_round)
    assert [(group, count) for group, _label, count in s.status_counts] == [
        ("submitted", 2),
        ("in_progress", 1),
        ("not_started", 18),
    ]
    assert s.regions_counted == 2 and s.drafts_counted == 0
    assert s.interventions == 5 and s.goals == 3
    years = {row.year: (row.sought, row.own, row.other) for row in s.years}
    assert years == {
        2020: (300_000 + 600_000, 30_000 + 60_000, 25_000),
        2021: (150_000 + 300_000, 30_000 + 60_000, 25_000),
        2022: (0, 0, 0),
    }
    assert s.sought == 1_350_000
    assert s.cofinancing == 180_000 + 50_000
    assert s.frame == 89_000_000
    assert s.frame_difference == 89_000_000 - 1_350_000 and not s.frame_exceeded
    assert s.frame_percent == 1.5
    assert (s.start_capital_granted, s.budget_planned, s.budget_spent) == (200_000, 200_000, 0)


def test_region_by_area_matrix_and_the_breakdowns(seeded_round):
    s = round_synthesis(seeded_round)
    rows = {row.region.code: row for row in s.rows}
    assert list(rows) == ["01", "12"]
    skane, stockholm = rows["12"], rows["01"]
    assert (skane.areas["research"].count, skane.areas["research"].sought) == (2, 450_000)
    assert (skane.areas["funds"].count, skane.areas["funds"].sought) == (0, 0)
    assert (stockholm.areas["research"].count, stockholm.areas["research"].sought) == (2, 450_000)
    assert (stockholm.areas["funds"].count, stockholm.areas["funds"].sought) == (1, 450_000)
    assert (stockholm.total.count, stockholm.total.sought) == (3, 900_000)
    areas = _by_value(s.areas)
    assert (areas["research"].interventions.count, areas["research"].interventions.sought) == (
        4,
        900_000,
    )
    assert areas["funds"].interventions.count == 1 and areas["methods"].interventions.count == 0

    dimensions = _by_value(s.dimensions)
    assert (dimensions["economic"].interventions.count, dimensions["economic"].goals) == (4, 3)
    assert dimensions["environmental"].interventions.sought == 450_000
    assert dimensions["environmental"].goals == 0

    effects = _by_value(s.effects)
    assert [r.code for r in effects["business"].regions] == ["01", "12"]
    assert effects["business"].interventions.count == 4 and effects["business"].goals == 3
    assert [r.code for r in effects["leadership"].regions] == ["01"]
    assert effects["trust"].interventions.count == 0 and effects["trust"].goals == 3
    assert [goal["goal"] for _r, goal in effects["trust"].goal_list] == [
        "Mål 1: fler hållbara företag",
        "Mål 1: fler hållbara företag",
        "Mål 2: fler hållbara företag",
    ]

    priorities = {
        item.value: (item.interventions.count, item.interventions.sought) for item in s.priorities
    }
    assert priorities == {
        "high": (2, 300_000),
        "medium": (2, 600_000),
        "low": (1, 450_000),
        NO_PRIORITY: (0, 0),
    }
    assert dict(stockholm.perspective_counts) == {"gender": 3, "age": 3, "background": 3}
    assert dict(stockholm.follow_up_counts) == {"gender": 1, "age": 0, "background": 0}
    assert dict(s.perspective_totals) == {"gender": 5, "age": 5, "background": 5}
    assert dict(s.follow_up_totals) == {"gender": 3, "age": 0, "background": 0}


def test_drafts_count_only_when_asked_and_are_marked(seeded_round):
    s = round_synthesis(seeded_round, SynthesisFilter(drafts=True))
    assert s.regions_counted == 3 and s.drafts_counted == 1
    uppsala = next(row for row in s.rows if row.region.code == "03")
    assert uppsala.is_draft and uppsala.total.sought == 150_000
    assert s.sought == 1_500_000 and s.interventions == 6


def test_filters_narrow_interventions_goals_and_regions(seeded_round):
    funds = round_synthesis(seeded_round, SynthesisFilter(area="funds"))
    assert [row.region.code for row in funds.rows] == ["01"]
    assert (funds.interventions, funds.sought, funds.goals) == (1, 450_000, 0)
    low = round_synthesis(seeded_round, SynthesisFilter(priority="low"))
    assert (low.interventions, low.sought) == (1, 450_000)
    none = round_synthesis(seeded_round, SynthesisFilter(priority=NO_PRIORITY))
    assert (none.interventions, none.rows) == (0, [])
    skane = round_synthesis(seeded_round, SynthesisFilter(region="region-skane"))
    assert [row.region.code for row in skane.rows] == ["12"]
    assert (skane.interventions, skane.goals) == (2, 2)
    trust = round_synthesis(seeded_round, SynthesisFilter(effect="trust"))
    assert (trust.interventions, trust.goals) == (0, 3)
    waiting = round_synthesis(seeded_round, SynthesisFilter(status="not_started"))
    assert waiting.rows == [] and waiting.sought == 0


def test_totals_agree_exactly_with_the_workbook(seeded_round):
    """Summed both ways: the synthesis per region and year against the exported columns."""
    s = round_synthesis(seeded_round)
    target = io.BytesIO()
    write_round_workbook(seeded_round, target)
    workbook = load_workbook(io.BytesIO(target.getvalue()))
    sheet = workbook["Insatser"]
    header = [cell.value for cell in sheet[1]]
    sought_columns = {
        year: header.index(f"Söks från programmet {year} (kr)") for year in seeded_round.years
    }
    by_region: dict[str, int] = {}
    by_year = dict.fromkeys(seeded_round.years, 0)
    count = 0
    for values in sheet.iter_rows(min_row=2, values_only=True):
        count += 1
        for year, column in sought_columns.items():
            by_region[values[0]] = by_region.get(values[0], 0) + values[column]
            by_year[year] += values[column]
    assert count == s.interventions
    assert by_region == {row.region.code: row.total.sought for row in s.rows}
    assert by_year == {row.year: row.sought for row in s.years}
    assert sum(by_year.values()) == s.sought

    main = workbook["Regioner"]
    main_header = [cell.value for cell in main[1]]
    planned = main_header.index("Budget totalt (kr)")
    assert sum(v[planned] or 0 for v in main.iter_rows(min_row=2, values_only=True)) == (
        s.budget_planned
    )


def test_page_shows_the_tables_with_captions_and_filters_in_the_url(
    client, staff_user, seeded_round
):
    client.force_login(staff_user)
    url = reverse("staff:synthesis", kwargs={"round_slug": "2019"})
    board = client.get(reverse("staff:board", kwargs={"round_slug": "2019"})).content.decode()
    assert url in board
    page = client.get(url).content.decode()
    assert page.count("<caption>") == 8
    assert 'data-testid="sought-total">1\u00a0350\u00a0000\u00a0kr<' in page
    assert f'data-testid="interventions-total"><a href="{url}insatser/">5</a>' in page
    assert "utkast</span>" not in page
    drafts = client.get(url, {"drafts": "on", "area": "research"}).content.decode()
    listed = f"{url}insatser/?area=research&amp;drafts=on"
    assert f'data-testid="interventions-total"><a href="{listed}">5</a>' in drafts  # 4 + Uppsala
    assert 'data-testid="drafts-note"' in drafts and "utkast</span>" in drafts
    assert '<option value="research" selected>' in drafts
    bad = client.get(url, {"area": "nonsense"})
    assert bad.status_code == 200 and bad.context["synthesis"].interventions == 5


def test_page_is_for_staff_only(client, contact, seeded_round):
    client.force_login(contact)
    assert client.get(reverse("staff:synthesis", kwargs={"round_slug": "2019"})).status_code == 404


def test_page_runs_the_same_number_of_queries_for_3_and_30_regions(client, staff_user):
    codes = ["01", "03", "04"]
    first = submit_in_round(Region.objects.get(code="12"), interventions=3, goals=2)
    for code in codes[:2]:
        copy_version(first, Region.objects.get(code=code))
    with time_machine.travel(IN_ROUND, tick=False):
        region = Region.objects.get(code="05")
        open_inventory(
            round=round_2019(), region=region, user=ContactPersonFactory(region=region).user
        )
    client.force_login(staff_user)
    url = reverse("staff:synthesis", kwargs={"round_slug": "2019"})
    client.get(url, {"drafts": "on"})  # warm up the session and the language
    with CaptureQueriesContext(connection) as with_3:
        response = client.get(url, {"drafts": "on"})
    assert response.context["synthesis"].regions_counted == 4  # 3 submitted + 1 draft

    extra = Region.objects.bulk_create(
        Region(code=f"X{n}", name=f"Testregion {n}", county_name=f"Testlän {n}", slug=f"t-{n}")
        for n in range(9)
    )
    drafts = ["06", "07"]
    for code in drafts:
        other = Region.objects.get(code=code)
        with time_machine.travel(IN_ROUND, tick=False):
            open_inventory(
                round=round_2019(), region=other, user=ContactPersonFactory(region=other).user
            )
    started = {"12", "01", "03", "05", *drafts}
    for other in Region.objects.exclude(code__in=started).filter(active=True):
        copy_version(first, other)
    assert len(extra) == 9
    with CaptureQueriesContext(connection) as with_30:
        response = client.get(url, {"drafts": "on"})
    synthesis = response.context["synthesis"]
    assert synthesis.regions_counted == 30 and synthesis.drafts_counted == 3
    assert len(with_30) == len(with_3), [q["sql"][:120] for q in with_30.captured_queries]


def test_every_number_links_to_the_interventions_or_goals_behind_it(
    client, staff_user, seeded_round
):
    client.force_login(staff_user)
    page = client.get(reverse("staff:synthesis", kwargs={"round_slug": "2019"})).content.decode()
    base = reverse("staff:synthesis_interventions", kwargs={"round_slug": "2019"})
    cell = f'{base}?region=region-stockholm&amp;area=funds">1</a>'
    assert cell in page

    listing = client.get(base, {"region": "region-stockholm", "area": "funds"})
    html = listing.content.decode()
    assert html.count('<tr data-region="01">') == 1
    assert "Insats 3: Insats 3: Hållbar omställning" in html
    assert "Utlysning av medel" in html and "Starkare regionalt ledarskap" in html
    version_url = reverse(
        "staff:version",
        kwargs={"round_slug": "2019", "region_slug": "region-stockholm", "number": 1},
    )
    assert f'href="{version_url}"' in html
    assert "<li>Insatsområde: Utlysning av medel</li>" in html

    goals = reverse("staff:synthesis_goals", kwargs={"round_slug": "2019"})
    assert f'{goals}?effect=trust">3</a>' in page
    html = client.get(goals, {"effect": "trust"}).content.decode()
    assert html.count('<tr data-region="') == 3

    ages = client.get(base, {"region": "region-skane", "ground": "age"}).content.decode()
    assert ages.count('<tr data-region="12">') == 2
    followed = client.get(goals, {"ground": "age"}).content.decode()
    assert "Inga mål med det här filtret." in followed


def test_the_lists_keep_the_drafts_filter_and_mark_drafts(client, staff_user, seeded_round):
    client.force_login(staff_user)
    base = reverse("staff:synthesis_interventions", kwargs={"round_slug": "2019"})
    html = client.get(base, {"drafts": "on", "region": "region-uppsala"}).content.decode()
    assert html.count('<tr data-region="03">') == 1 and "utkast</span>" in html
    inventory_url = reverse(
        "staff:inventory", kwargs={"round_slug": "2019", "region_slug": "region-uppsala"}
    )
    assert f'href="{inventory_url}"' in html
    back = reverse("staff:synthesis", kwargs={"round_slug": "2019"})
    assert f'href="{back}?region=region-uppsala&amp;drafts=on"' in html


def test_charts_are_svg_with_a_text_alternative_and_the_same_filter(
    client, staff_user, seeded_round
):
    client.force_login(staff_user)
    url = reverse("staff:synthesis", kwargs={"round_slug": "2019"})
    page = client.get(url, {"region": "region-stockholm"}).content.decode()
    chart = reverse("staff:synthesis_chart", kwargs={"round_slug": "2019", "chart": "programar"})
    assert f'<img src="{chart}?region=region-stockholm"' in page
    assert (
        "2020: söks 600\u00a0000 kr, medfinansiering 75\u00a0000 kr; "
        "2021: söks 300\u00a0000 kr, medfinansiering 75\u00a0000 kr" in page
    )
    assert "Utlysning av medel 450\u00a0000 kr" in page

    response = client.get(chart, {"region": "region-stockholm"})
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert "<svg" in svg and "0,60" in svg and "Belopp per programår" in svg
    assert "#0072b2" in svg.lower()  # Okabe–Ito blue
    again = client.get(chart, {"region": "region-stockholm"}).content
    assert again == response.content  # the same data draws the same bytes
    areas = reverse(
        "staff:synthesis_chart", kwargs={"round_slug": "2019", "chart": "insatsomraden"}
    )
    assert "Sprida forskning" in client.get(areas).content.decode()
    missing = reverse("staff:synthesis_chart", kwargs={"round_slug": "2019", "chart": "okand"})
    assert client.get(missing).status_code == 404
