"""Journey (b) in Chromium: a handläggare reviews a submission, returns it with a message, the
contact person (a second browser) completes and resubmits it, the handläggare reads the diff,
accepts it and exports the round to Excel."""

import re

import pytest
from django.core import mail
from openpyxl import load_workbook
from playwright.sync_api import expect

from inventories.demo import practice_round
from inventories.models import Inventory
from inventories.services import inventory_submit
from inventories.tests.factories import open_inventory
from tests.browser.conftest import sign_in
from tests.browser.journeys import (
    assert_error_summary_focused,
    go_to_start_link,
    pass_second_factor,
    submit,
    wait_for_path,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RETURN_MESSAGE = (
    "Tack för inlämningen! Beskriv i Del 1 hur samverkan med lärosätena ser ut i dag, "
    "och vilka strukturer som finns för den."
)
NEW_COLLABORATION = (
    "Lunds universitet och Malmö universitet deltar i det regionala forumet; en gemensam "
    "analysgrupp träffas varje månad."
)


@pytest.fixture
def submitted(region, contact):
    """Region Skåne's practice-round inventory, complete and submitted (version 1)."""
    round_ = practice_round()
    inventory = open_inventory(round=round_, region=region, user=contact)
    # The factory's dates are the 2019 round's; move them into this round's programme period.
    inventory.interventions.update(start_date=round_.period_start, end_date=round_.period_end)
    inventory.goals.update(target_date=round_.period_end)
    inventory_submit(inventory=inventory, user=contact)
    return inventory


def test_staff_return_resubmit_accept_and_export(
    page,
    contact_page,
    axe_check,
    screenshot,
    staff_user,
    contact,
    submitted,
    tmp_path,
    other_region,
    other_contact,
):
    round_ = submitted.round
    staff = page

    # The first sign-in enrols an authenticator app; the next one asks for its code.
    sign_in(staff, staff_user.email)
    key = pass_second_factor(staff, axe_check, screenshot=screenshot)
    wait_for_path(staff, f"/handlaggare/omgang/{round_.slug}/")
    submit(staff, staff.get_by_role("button", name="Logga ut"))
    sign_in(staff, staff_user.email)
    pass_second_factor(staff, axe_check, key=key, screenshot=screenshot)

    # The board shows the submission.
    wait_for_path(staff, f"/handlaggare/omgang/{round_.slug}/")
    assert staff.locator("h1").inner_text() == f"Lägesbild – {round_.name}"
    tile = staff.get_by_role("link", name=re.compile(r"^12 Region Skåne\W+Inskickad"))
    expect(tile).to_be_visible()
    expect(staff.locator("tr[data-region='12']")).to_contain_text("Inskickad")
    axe_check(staff, "staff: board with one submission")
    screenshot(staff, "staff-board-submitted")

    # Return it for completion: first without a message (the error), then with one.
    tile.click()
    wait_for_path(staff, f"/handlaggare/omgang/{round_.slug}/region-skane/")
    axe_check(staff, "staff: region's inventory (submitted)")
    staff.get_by_role("link", name="Återsänd för komplettering").click()
    wait_for_path(staff, "/atersand/")
    axe_check(staff, "staff: return form")
    submit(staff, staff.get_by_role("button", name="Återsänd för komplettering"))
    assert_error_summary_focused(staff, [])
    axe_check(staff, "staff: return form without a message (error)")
    mail.outbox.clear()
    staff.get_by_label("Allmänt meddelande till regionen").fill(RETURN_MESSAGE)
    submit(staff, staff.get_by_role("button", name="Återsänd för komplettering"))
    expect(staff.locator(".messages")).to_contain_text("är återsänd")
    axe_check(staff, "staff: region's inventory (returned)")
    assert [m.to for m in mail.outbox] == [[contact.email]]
    assert RETURN_MESSAGE in mail.outbox[0].body

    # The contact person sees the message, completes Del 1 and submits version 2.
    sign_in(contact_page, contact.email)
    wait_for_path(contact_page, "/region/region-skane/")
    note = contact_page.locator(".return-message")
    expect(note).to_contain_text("Återsänd för komplettering – meddelande från Tillväxtverket")
    expect(note).to_contain_text(RETURN_MESSAGE)
    axe_check(contact_page, "region start page with the return message")
    go_to_start_link(contact_page, "Del 1 – Nuläge")
    wait_for_path(contact_page, "/del-1/")
    axe_check(contact_page, "Del 1 – returned for completion")
    contact_page.get_by_label("Befintlig samverkan och strukturer").fill(NEW_COLLABORATION)
    submit(contact_page, contact_page.get_by_role("button", name="Spara", exact=True))
    expect(contact_page.locator(".messages")).to_contain_text("Del 1 är sparad.")
    contact_page.locator("nav[aria-label='Behovsinventeringens delar']").get_by_role(
        "link", name="Granska och skicka in"
    ).click()
    wait_for_path(contact_page, "/granska/")
    expect(contact_page.locator("table.versions")).to_contain_text("Kvitto för version 1")
    axe_check(contact_page, "review – before resubmitting")
    contact_page.get_by_label(re.compile("^Jag bekräftar")).check()
    submit(contact_page, contact_page.get_by_role("button", name="Skicka in"))
    wait_for_path(contact_page, "/version/2/")
    assert contact_page.locator("h1").inner_text() == "Kvitto – version 2"
    axe_check(contact_page, "receipt, version 2")

    # The handläggare sees version 2 and what changed since version 1, and accepts it.
    staff.reload()
    staff.get_by_role("link", name="Version 2", exact=True).click()
    wait_for_path(staff, "/version/2/")
    diff = staff.locator("section[aria-labelledby='diff-title']")
    expect(diff).to_contain_text("Ändringar sedan version 1")
    expect(diff).to_contain_text("Befintlig samverkan och strukturer")
    expect(diff).to_contain_text("analysgrupp träffas varje månad")
    axe_check(staff, "staff: version 2 with the diff")
    screenshot(staff, "staff-version-2-diff")
    staff.get_by_role("link", name=re.compile("Region Skåne")).first.click()
    staff.get_by_role("link", name="Godkänn").click()
    wait_for_path(staff, "/godkann/")
    axe_check(staff, "staff: accept")
    staff.get_by_label("Meddelande till regionen (valfritt)").fill("Tack, version 2 är godkänd.")
    submit(staff, staff.get_by_role("button", name="Godkänn"))
    expect(staff.locator(".messages")).to_contain_text("är godkänd")
    axe_check(staff, "staff: region's inventory (accepted)")
    assert Inventory.objects.get(pk=submitted.pk).status == "accepted"
    # The region receives the decision with the message and the registration number.
    [accepted] = [m for m in mail.outbox if m.subject.endswith("är godkänd")]
    assert accepted.subject.startswith("Dnr ÖVN-0001: ")
    assert "Tack, version 2 är godkänd." in accepted.body

    # The history, filtered to the decisions.
    staff.get_by_role("link", name="Historik", exact=True).click()
    wait_for_path(staff, "/historik/")
    axe_check(staff, "staff: audit history")
    staff.get_by_label("Visa händelser").select_option("beslut")
    submit(staff, staff.get_by_role("button", name="Filtrera"))
    staff.wait_for_url(re.compile(r"[?&]typ=beslut$"))
    expect(staff.locator("tr[data-action='accepted']")).to_contain_text("Tack, version 2")
    expect(staff.locator("tr[data-action='submitted']")).to_have_count(0)
    axe_check(staff, "staff: audit history, decisions only")

    # The export: one row per region, Skåne's from version 2.
    staff.goto(f"/handlaggare/omgang/{round_.slug}/")
    expect(
        staff.get_by_role("link", name=re.compile(r"^12 Region Skåne\W+Godkänd"))
    ).to_be_visible()
    axe_check(staff, "staff: board with one accepted")
    with staff.expect_download() as download_info:
        staff.get_by_role("link", name="Ladda ned Excel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = load_workbook(saved, read_only=True)
    sheet = workbook["Regioner"]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "Länskod")
    header, regions = rows[header_at], [row for row in rows[header_at + 1 :] if row[0]]
    assert len(regions) == 21
    assert len({row[0] for row in regions}) == 21
    skane = next(row for row in regions if row[0] == "12")
    assert skane[header.index("Region")] == "Region Skåne"
    assert skane[header.index("Status")] == "Godkänd"
    assert skane[header.index("Version")] == 2
    assert skane[header.index("Befintlig samverkan och strukturer")] == NEW_COLLABORATION

    # Region Stockholm has a draft: the handläggare enters its registration number, writes an
    # internal note and takes the region; the board then shows "mina regioner".
    open_inventory(round=round_, region=other_region, user=other_contact, filled=False)
    staff.goto(f"/handlaggare/omgang/{round_.slug}/{other_region.slug}/")
    staff.get_by_role("link", name="Ange diarienummer").click()
    wait_for_path(staff, "/diarienummer/")
    axe_check(staff, "staff: registration number form")
    submit(staff, staff.get_by_role("button", name="Spara diarienummer"))
    assert_error_summary_focused(staff, ["Ange diarienumret."])
    axe_check(staff, "staff: registration number form with an error")
    staff.get_by_label("Diarienummer").fill("Ä 2019-4711")
    submit(staff, staff.get_by_role("button", name="Spara diarienummer"))
    expect(staff.locator(".messages")).to_contain_text("Diarienumret för")
    staff.get_by_label("Ny intern anteckning").fill("Ring kontaktpersonen om budgeten.")
    submit(staff, staff.get_by_role("button", name="Spara anteckning"))
    expect(staff.get_by_test_id("internal-notes")).to_contain_text("Ring kontaktpersonen")
    staff.get_by_label("Handläggare för regionen i omgången").select_option(str(staff_user.pk))
    submit(staff, staff.get_by_role("button", name="Spara handläggare"))
    expect(staff.locator(".messages")).to_contain_text("handlägger Region Stockholm")
    axe_check(staff, "staff: region's inventory with a note and a handläggare")
    staff.goto(f"/handlaggare/omgang/{round_.slug}/?mina=1")
    expect(staff.locator("tr[data-region]")).to_have_count(1)
    expect(staff.locator("tr[data-region='01']")).to_contain_text("Ä 2019-4711")
    axe_check(staff, "staff: board, mina regioner")
    assert staff.js_errors == [] and contact_page.js_errors == []
