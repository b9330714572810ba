"""Case handling in Chromium: a handläggare returns an inventory with two anchored items and a
completion date; the contact person (a second browser) sees them at the fields, answers one,
fixes both and resubmits; the handläggare resolves them and accepts with a message, and the
region receives the acceptance e-mail. axe scans every new page and state; the return form and
the reply form are used with the keyboard only."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from inventories.demo import practice_round
from inventories.models import CompletionItem, InterventionYear, Inventory, ThreadMessage
from inventories.services import inventory_submit
from inventories.tests.factories import open_inventory
from portal.models import OutboxMessage
from tests.browser.conftest import sign_in
from tests.browser.journeys import (
    active_element,
    assert_error_summary_focused,
    go_to_start_link,
    pass_second_factor,
    submit,
    wait_for_path,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ASK_FIELD = "Beskriv behoven mer konkret, med exempel från länet."
ASK_INTERVENTION = "Ange vem som leder insatsen."
REPLY = "Vi lägger till exempel från Skånes kommuner i morgon."
ACCEPT_MESSAGE = "Tack, kompletteringen är godkänd."


@pytest.fixture
def submitted(region, contact):
    round_ = practice_round()
    inventory = open_inventory(round=round_, region=region, user=contact)
    inventory.interventions.update(start_date=round_.period_start, end_date=round_.period_end)
    inventory.goals.update(target_date=round_.period_end)
    # Money for this round's programme years, so that saving an intervention keeps it complete.
    for intervention in inventory.interventions.all():
        intervention.years.all().delete()
        for year in range(round_.period_start.year, round_.period_end.year + 1):
            InterventionYear.objects.create(intervention=intervention, year=year, sought=50_000)
    inventory_submit(inventory=inventory, user=contact)
    return inventory


def tab_to(page, element_id, limit=80):
    """Press Tab until the element with ``element_id`` has focus (a keyboard user's way)."""
    for _ in range(limit):
        if active_element(page)["id"] == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}; focus is on {active_element(page)}")


def tab_to_text(page, text, limit=10):
    """Press Tab until the focused element reads ``text`` (a button without an id)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if active_element(page)["text"] == text:
            return
    raise AssertionError(f"Tab never reached {text!r}; focus is on {active_element(page)}")


def choose_with_arrows(page, element_id, label_start, limit=80):
    """On the focused <select>, press ArrowDown until the chosen option starts with the text."""
    for _ in range(limit):
        chosen = page.evaluate(
            "(id) => { const s = document.getElementById(id);"
            " return s.options[s.selectedIndex].text; }",
            element_id,
        )
        if chosen.startswith(label_start):
            return chosen
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option starting with {label_start!r} in #{element_id}")


def test_return_with_anchored_items_reply_fix_resolve_and_accept(
    page, contact_page, axe_check, screenshot, staff_user, contact, submitted
):
    round_ = submitted.round
    staff = page
    base = f"/handlaggare/omgang/{round_.slug}/region-skane/"
    intervention = submitted.interventions.order_by("position").first()
    due = (timezone.localtime(round_.deadline) + datetime.timedelta(days=10)).date()

    sign_in(staff, staff_user.email)
    pass_second_factor(staff, axe_check)
    staff.goto(base + "atersand/")
    expect(staff.locator("h1")).to_contain_text("Återsänd behovsinventeringen")
    axe_check(staff, "staff: return form with items")

    # Keyboard only: the first item's anchor and no text is an error next to the field.
    staff.locator("#punkter").focus()
    tab_to(staff, "id_punkter-0-anchor")
    choose_with_arrows(staff, "id_punkter-0-anchor", "Del 1 – Nuläge: Behov och utmaningar")
    tab_to(staff, "id_punkter-0-text")
    tab_to(staff, "id_punkter-1-anchor")
    choose_with_arrows(staff, "id_punkter-1-anchor", "Insats: ")
    tab_to(staff, "id_punkter-1-text")
    staff.keyboard.type(ASK_INTERVENTION)
    with staff.expect_navigation():
        tab_to(staff, "id_message")
        staff.keyboard.type("Se punkterna nedan.")
        staff.get_by_role("button", name="Återsänd för komplettering").focus()
        staff.keyboard.press("Enter")
    assert_error_summary_focused(staff, ["Skriv vad som ska kompletteras."])
    expect(staff.locator("#id_punkter-1-text")).to_have_value(ASK_INTERVENTION)
    axe_check(staff, "staff: return form with an error next to an item")
    # "Lägg till punkt" keeps what is typed and adds a fourth item, focused.
    staff.get_by_role("button", name="Lägg till punkt").focus()
    with staff.expect_navigation():
        staff.keyboard.press("Enter")
    expect(staff.locator("#id_punkter-3-anchor")).to_be_focused()
    expect(staff.locator("#id_punkter-1-text")).to_have_value(ASK_INTERVENTION)
    axe_check(staff, "staff: return form with an item added")

    staff.locator("#punkter").focus()
    tab_to(staff, "id_punkter-0-text")
    staff.keyboard.type(ASK_FIELD)
    # The date by fill(): the order of a date field's parts follows the browser's own locale.
    staff.get_by_label("Komplettera senast").fill(due.isoformat())
    tab_to_text(staff, "Återsänd för komplettering")
    with staff.expect_navigation():
        staff.keyboard.press("Enter")
    expect(staff.locator(".messages")).to_contain_text("är återsänd")
    submitted.refresh_from_db()
    assert submitted.status == Inventory.Status.RETURNED
    assert timezone.localtime(submitted.deadline_override).date() == due
    field_item = CompletionItem.objects.get(kind="field")
    intervention_item = CompletionItem.objects.get(kind="intervention")
    assert intervention_item.object_id == intervention.pk
    returned = [m for m in mail.outbox if "återsänts för komplettering" in m.subject]
    assert [m.to for m in returned] == [[contact.email]]
    assert ASK_FIELD in returned[0].body and ASK_INTERVENTION in returned[0].body

    # The contact person sees the items on the start page and at the field.
    sign_in(contact_page, contact.email)
    wait_for_path(contact_page, "/region/region-skane/")
    expect(contact_page.locator(".completion-list")).to_contain_text(ASK_FIELD)
    axe_check(contact_page, "region start page with items to complete")
    go_to_start_link(contact_page, "Del 1 – Nuläge")
    wait_for_path(contact_page, "/del-1/")
    notice = contact_page.locator(f"#{field_item.anchor_id}")
    expect(notice).to_contain_text(ASK_FIELD)
    field = contact_page.get_by_role("textbox", name="Behov och utmaningar")
    assert notice.bounding_box()["y"] < field.bounding_box()["y"]
    expect(contact_page.locator("nav[aria-label='Behovsinventeringens delar']")).to_contain_text(
        "att komplettera"
    )
    axe_check(contact_page, "Del 1 with an item at a field")

    # Answer the field's item (keyboard only), first empty (the error), then with text.
    notice.get_by_role("link", name=re.compile("Svara handläggaren")).click()
    wait_for_path(contact_page, "/dialog/")
    expect(contact_page.locator("#id_item")).to_have_value(str(field_item.pk))
    axe_check(contact_page, "region dialogue page")
    contact_page.locator("#svar").focus()
    tab_to(contact_page, "id_item")
    tab_to(contact_page, "id_text")
    contact_page.keyboard.press("Tab")
    assert active_element(contact_page)["text"] == "Skicka meddelandet"
    with contact_page.expect_navigation():
        contact_page.keyboard.press("Enter")
    assert_error_summary_focused(contact_page, ["Skriv ett meddelande."])
    axe_check(contact_page, "region dialogue page with an error")
    contact_page.locator("[data-error-summary]").focus()
    tab_to(contact_page, "id_text")
    contact_page.keyboard.type(REPLY)
    contact_page.keyboard.press("Tab")
    with contact_page.expect_navigation():
        contact_page.keyboard.press("Enter")
    expect(contact_page.locator(".messages")).to_contain_text("skickat till Tillväxtverket")
    expect(contact_page.locator(f"#{field_item.anchor_id}")).to_contain_text(REPLY)
    axe_check(contact_page, "region dialogue page with a reply")
    reply = ThreadMessage.objects.get(text=REPLY)
    [notice_row] = OutboxMessage.objects.filter(group=f"thread-message:{reply.pk}")
    assert f"#{field_item.anchor_id}" in notice_row.body_text

    # Fix both and resubmit.
    contact_page.goto(f"/region/region-skane/{round_.slug}/del-1/")
    needs = contact_page.get_by_role("textbox", name="Behov och utmaningar")
    needs.fill("Exempel: Malmö, Lund och Ystad.")
    submit(contact_page, contact_page.get_by_role("button", name="Spara", exact=True))
    expect(contact_page.locator(".messages")).to_contain_text("Del 1 är sparad.")
    contact_page.goto(f"/region/region-skane/{round_.slug}/del-2/")
    expect(contact_page.locator(f"#{intervention_item.anchor_id}")).to_contain_text(
        ASK_INTERVENTION
    )
    axe_check(contact_page, "Del 2 with an item at an intervention")
    contact_page.get_by_role("link", name="Ändra insats 1").click()
    expect(contact_page.locator(f"#{intervention_item.anchor_id}")).to_contain_text(
        ASK_INTERVENTION
    )
    axe_check(contact_page, "an intervention with an item")
    contact_page.get_by_label("Aktörer och samarbetspartner").fill("Region Skåne leder insatsen.")
    submit(contact_page, contact_page.get_by_role("button", name=re.compile("^Spara")).first)
    contact_page.goto(f"/region/region-skane/{round_.slug}/granska/")
    expect(contact_page.locator("#to-complete-title")).to_be_visible()
    axe_check(contact_page, "review with the items to complete")
    contact_page.get_by_label(re.compile("^Jag bekräftar")).check()
    submit(contact_page, contact_page.get_by_role("button", name="Skicka in"))
    wait_for_path(contact_page, "/version/2/")

    # The handläggare reads the reply, resolves both items and accepts with a message.
    staff.goto(base + "dialog/")
    expect(staff.locator(f"#{field_item.anchor_id}")).to_contain_text(REPLY)
    axe_check(staff, "staff: dialogue with a reply")
    for item in (field_item, intervention_item):
        submit(
            staff,
            staff.locator(f"#{item.anchor_id}").get_by_role(
                "button", name=re.compile("Markera som åtgärdad")
            ),
        )
        expect(staff.locator(f"#{item.anchor_id}")).to_contain_text("Åtgärdad")
    axe_check(staff, "staff: dialogue with the items resolved")
    assert not CompletionItem.objects.filter(status="open").exists()
    staff.goto(base + "godkann/")
    staff.get_by_label("Meddelande till regionen (valfritt)").fill(ACCEPT_MESSAGE)
    submit(staff, staff.get_by_role("button", name="Godkänn"))
    expect(staff.locator(".messages")).to_contain_text("är godkänd")
    [accepted] = [m for m in mail.outbox if m.subject.endswith("är godkänd")]
    assert accepted.to == [contact.email] and ACCEPT_MESSAGE in accepted.body
    assert OutboxMessage.objects.filter(kind="inventory_accepted", to=contact.email).exists()

    # The region's thread shows the decisions; its parts are "Klar" again.
    contact_page.goto(f"/region/region-skane/{round_.slug}/dialog/")
    expect(contact_page.locator(".thread-decision").last).to_contain_text(ACCEPT_MESSAGE)
    axe_check(contact_page, "region dialogue page after the acceptance")
    assert staff.js_errors == [] and contact_page.js_errors == []
