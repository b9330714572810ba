"""Keyboard only (WCAG 2.1.1, 2.4.3, 2.4.7): the contact person's journey with Tab, Shift+Tab,
Enter and Space, typing into whatever field has focus. No clicks, no ``fill()``.

At every stop the focused element must show a visible focus indicator (an outline or a box
shadow). The error summary takes focus after a failed save, and its links move focus to the
field with the error.
"""

import re

import pytest

from inventories.demo import practice_round
from inventories.models import Inventory
from tests.browser.journeys import assert_error_summary_focused, wait_for_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TAB_STOPS = 80

FOCUSED_JS = r"""async () => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const el = document.activeElement;
  const clean = (text) => (text || '').replace(/\s+/g, ' ').trim();
  let name = clean(el.getAttribute('aria-label'));
  if (!name && el.labels && el.labels.length) {
    name = clean(Array.from(el.labels).map((label) => label.innerText).join(' '));
  }
  if (!name) name = clean(el.innerText || el.value);
  // crispy-forms marks a required field with a trailing asterisk in its label.
  name = name.replace(/\s*\*$/, '');
  const transparent = (colour) => /^rgba\(.*,\s*0\)$/.test(colour) || colour === 'transparent';
  const indicator = () => {
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
      && !transparent(style.outlineColor);
    const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
    return {visible: outline || shadow, outline: style.outlineStyle + ' ' + style.outlineWidth,
            shadow: style.boxShadow};
  };
  let seen = indicator();
  // A date field moves focus into its segments a frame later; judge what the user sees then.
  for (let i = 0; i < 3 && !seen.visible; i++) {
    await frame();
    seen = indicator();
  }
  return {
    tag: el.tagName.toLowerCase(), type: el.getAttribute('type') || '', id: el.id, name: name,
    isBody: el === document.body, ...seen,
  };
}"""


def focused(page):
    return page.evaluate(FOCUSED_JS)


def describe(info):
    return f"<{info['tag']} id={info['id']!r}> {info['name'][:60]!r}"


def tab_to(page, name, *, backwards=False, max_stops=MAX_TAB_STOPS):
    """Press Tab (or Shift+Tab) until the focused element's name matches ``name``.

    ``name`` is the exact accessible name (label, or text of a link or button) or a compiled
    regular expression. Fails with the list of stops when it is not reached within
    ``max_stops`` presses, or when any stop on the way has no visible focus indicator.
    """
    stops = []
    for _ in range(max_stops):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        info = focused(page)
        if info["isBody"]:
            stops.append("<body>")
            continue
        stops.append(describe(info))
        assert info["visible"], (
            f"focus is not visible on {describe(info)}: outline {info['outline']}, "
            f"box-shadow {info['shadow']}"
        )
        if (isinstance(name, re.Pattern) and name.search(info["name"])) or info["name"] == name:
            return info
    raise AssertionError(
        f"{name!r} not reached with {'Shift+Tab' if backwards else 'Tab'} in {max_stops} "
        "stops on " + page.url + ":\n  " + "\n  ".join(stops)
    )


def type_into(page, name, text):
    """Tab to the field named ``name`` and type ``text`` into it."""
    info = tab_to(page, name)
    assert info["tag"] in ("input", "textarea"), f"{name!r} is not a text field: {describe(info)}"
    page.keyboard.type(text)


def press(page, name, key="Enter", *, navigates=True):
    tab_to(page, name)
    if navigates:
        with page.expect_navigation():
            page.keyboard.press(key)
    else:
        page.keyboard.press(key)


def tick(page, name):
    info = tab_to(page, name)
    assert info["type"] == "checkbox", f"{name!r} is not a checkbox: {describe(info)}"
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked"), f"Space did not tick {name!r}"


def choose(page, name):
    info = tab_to(page, name)
    assert info["type"] == "radio", f"{name!r} is not a radio button: {describe(info)}"
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked"), f"Space did not choose {name!r}"


def type_date(page, name, iso):
    """Type a date into a native date field, segment by segment as the browser shows them.

    Debian's Chromium package ships only the en-US locale, so the field's segments are
    month/day/year whatever the page's language; the value must come out as ``iso``.
    """
    year, month, day = iso.split("-")
    info = tab_to(page, name)
    assert info["type"] == "date", describe(info)
    page.keyboard.type(month + day + year)
    value = page.evaluate("document.activeElement.value")
    assert value == iso, f"typed {iso} into {name!r} but the field holds {value!r}"
    # Focus is now on the last segment (the year): the next Tab leaves the field.


def test_contact_journey_with_the_keyboard_only(page, contact, axe_check):
    round_ = practice_round()
    year = round_.period_start.year

    page.goto("/konto/logga-in/")
    # The e-mail field has focus on arrival.
    assert focused(page)["name"].startswith("E-postadress")
    page.keyboard.type(contact.email)
    type_into(page, re.compile(r"^Lösenord"), "Behovsinventering-2019")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    wait_for_path(page, "/region/region-skane/")

    # The skip link comes first and leads into the main content.
    tab_to(page, "Hoppa till huvudinnehållet")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    press(page, "Del 1 – Nuläge")
    wait_for_path(page, f"/{round_.slug}/del-1/")

    # Del 1, with the second budget row missing its amount.
    for label, text in [
        ("Regionens förutsättningar", "Stad och landsbygd, stark livsmedelssektor."),
        ("Dagens arbete med ekonomisk hållbarhet", "Omställning i industrin."),
        ("Dagens arbete med social hållbarhet", "Kompetensförsörjning för unga."),
        ("Dagens arbete med miljömässig hållbarhet", "Klimatfärdplan är antagen."),
        ("Behov och utmaningar", "Gemensam kunskap om hållbarhetsanalys."),
        ("Befintlig samverkan och strukturer", "Regionalt forum med kommunerna."),
        ("Nuläget ur ett intersektionellt perspektiv", "Unga lämnar landsbygden."),
        ("Användning, rad 1", "Processledning"),
        ("Planerat belopp i kronor, rad 1", "60 000"),
        ("Användning, rad 2", "Workshoppar i kommunerna"),
    ]:
        type_into(page, label, text)
    press(page, "Spara")
    assert_error_summary_focused(page, ["Budgetrad 2: Planerat (kr): Ange beloppet i hela kronor."])
    axe_check(page, "keyboard: Del 1 with a budget row without amount (error)")
    tab_to(page, re.compile("^Budgetrad 2: Planerat"))
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_budget-1-amount"
    page.keyboard.type("40 000")
    press(page, "Spara och gå till Del 2")
    wait_for_path(page, "/del-2/")

    # Del 2: one intervention, its areas and dimensions ticked with Space.
    press(page, "Lägg till insats")
    wait_for_path(page, "/del-2/ny/")
    type_into(page, "Rubrik (obligatoriskt)", "Kunskapslyft om hållbar tillväxt")
    type_into(page, "Beskrivning", "Seminarier och analysstöd.")
    tick(page, "Sprida forskning")
    tick(page, "Ökad samverkan och erfarenhetsutbyte mellan olika regionala aktörer")
    tick(page, "Ekonomisk hållbarhet")
    tick(page, "Social hållbarhet")
    type_into(page, "Intersektionellt perspektiv: kön", "Könsuppdelad statistik.")
    type_into(page, "Intersektionellt perspektiv: ålder", "Unga vuxna via gymnasierna.")
    type_into(page, "Intersektionellt perspektiv: utländsk bakgrund", "Flerspråkig information.")
    type_into(page, "Aktörer och samarbetspartner", "Kommunerna och lärosätena.")
    type_date(page, "Start", f"{year}-03-01")
    type_date(page, "Slut", f"{year + 1}-12-31")
    type_into(page, "Beräknad kostnad (kr)", "450 000")
    type_into(page, f"Söks från programmet (kr) {year}", "300 000")
    type_into(page, f"Egen medfinansiering (kr) {year}", "100 000")
    choose(page, "Hög")
    press(page, "Spara insatsen")
    wait_for_path(page, "/del-2/")
    assert "är sparad" in page.locator(".messages").inner_text()

    # Del 3: texts, then one goal linked to the intervention.
    press(page, "Gå vidare till Del 3")
    wait_for_path(page, "/del-3/")
    type_into(page, "Börläge", "Hållbarhet är en del av tillväxtarbetet.")
    type_into(page, "Ökad tillit", "Aktörerna delar data.")
    type_into(page, "Effekter på kort sikt", "En gemensam lägesbild.")
    press(page, "Spara")
    assert "Del 3 är sparad." in page.locator(".messages").inner_text()
    press(page, "Lägg till mål")
    wait_for_path(page, "/del-3/mal/nytt/")
    type_into(page, "Mål (obligatoriskt)", "Fler företag gör hållbarhetsanalyser.")
    tick(page, "Ökad tillit")
    tick(page, "Social hållbarhet")
    type_into(page, "Indikator", "Antal företag")
    tick(page, "Kön")
    type_into(page, "Målvärde", "150")
    type_date(page, "Uppnås senast", f"{round_.period_end.year}-06-30")
    tick(page, "Insats 1: Kunskapslyft om hållbar tillväxt")
    press(page, "Spara målet")
    wait_for_path(page, "/del-3/")

    # Review, confirm with Space, submit with Enter.
    press(page, "Granska och skicka in")
    wait_for_path(page, "/granska/")
    assert "Inget saknas." in page.locator("section.checklist").inner_text()
    tick(page, re.compile("^Jag bekräftar att uppgifterna är korrekta"))
    # Shift+Tab goes back to the box and Tab forward again: the order is predictable.
    tab_to(page, "Skicka in")
    tab_to(page, re.compile("^Jag bekräftar"), backwards=True)
    press(page, "Skicka in")
    wait_for_path(page, "/version/1/")
    assert page.locator("h1").inner_text() == "Kvitto – version 1"
    assert Inventory.objects.get(region__code="12", round=round_).status == "submitted"
    assert page.js_errors == []


def test_the_focus_check_catches_an_invisible_focus(page):
    """The check above is not vacuous: with the focus styles removed, the first stop (the
    password field; the e-mail field has focus on arrival) fails."""
    page.goto("/konto/logga-in/")
    # The CSP forbids inline styles, so add the rule through the CSS object model; the id in
    # :not(#x) outranks the portal's own focus rules.
    page.evaluate(
        "document.styleSheets[document.styleSheets.length - 1].insertRule("
        "':not(#x) :is(:focus, :focus-visible, :focus-within) "
        "{ outline: none !important; box-shadow: none !important; }')"
    )
    with pytest.raises(AssertionError, match="focus is not visible on <input id=.id_password."):
        tab_to(page, "Logga in")
