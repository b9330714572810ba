"""The contact person's journey as steps a user takes in Chromium, shared by the desktop and the
small-screen runs (and the staff journey, which needs a submitted inventory first).

Every page the journey reaches is scanned with axe, error states included. The helpers use
Playwright's accessible locators (label, role and name), so a field without a label or a button
without a name fails the journey as it would fail a screen-reader user.
"""

import base64
import re
import time
from dataclasses import dataclass, field
from io import BytesIO

from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import expect

from inventories.demo import practice_round

NEW_PASSWORD = "Skånsk-Äppelblom-2026"

PART1_TEXTS = {
    "Regionens förutsättningar": "Skåne har tre större städer, en stark livsmedelssektor och "
    "en landsbygd med många småföretag.\nBefolkningen växer, mest i sydväst.",
    "Dagens arbete med ekonomisk hållbarhet": "Den regionala utvecklingsstrategin pekar ut "
    "omställning i industrin och cirkulära affärsmodeller.",
    "Dagens arbete med social hållbarhet": "Kompetensförsörjning och inkludering på "
    "arbetsmarknaden; särskilt fokus på unga utan gymnasieexamen.",
    "Dagens arbete med miljömässig hållbarhet": "Klimatfärdplan för Skåne är antagen, men "
    "uppföljningen i tillväxtarbetet är svag.",
    "Behov och utmaningar": "Vi behöver gemensam kunskap om hållbarhetsanalys och bättre "
    "samordning mellan kommunerna, lärosätena och näringslivets organisationer.",
    "Befintlig samverkan och strukturer": "Skånes kommuner, Lunds universitet och Malmö "
    "universitet möts i ett regionalt forum varje kvartal.",
    "Nuläget ur ett intersektionellt perspektiv": "Sysselsättningen är lägst bland utrikes "
    "födda kvinnor; unga lämnar landsbygden för studier.",
}
BUDGET = [("Processledning och analys", "60 000"), ("Workshoppar med kommunerna", "40 000")]

PART3_TEXTS = {
    "Börläge": "Hållbarhet är en självklar del av det regionala tillväxtarbetet i Skåne: "
    "varje beslut om projektmedel prövas mot alla tre dimensionerna.",
    "Ökad tillit": "Aktörerna delar data och analyser öppet och litar på varandras underlag.",
}
#: Changed on Del 3 just before following the stepper: saved on the way.
PART3_EDITED = "Aktörerna delar data, analyser och underlag öppet."
#: Typed into Del 3 and never saved with "Spara": "Lägg till mål" must save it first.
PART3_UNSAVED = {
    "Effekter på kort sikt": "En gemensam lägesbild, tre nya samverkansprojekt och fler "
    "ansökningar som beskriver det intersektionella perspektivet.",
}


@dataclass
class Intervention:
    title: str
    description: str
    areas: list[str]
    dimensions: list[str]
    gender: str
    age: str
    background: str
    actors: str
    start: str
    end: str
    cost: str
    priority: str = "Hög"
    effects: list[str] = field(default_factory=list)
    #: ``{year offset: (sought, own, other)}`` from the programme period's first year.
    money: dict = field(default_factory=dict)


@dataclass
class GoalData:
    goal: str
    indicator: str
    target_value: str
    target_date: str
    interventions: list[str] = field(default_factory=list)
    effects: list[str] = field(default_factory=lambda: ["Ökad tillit"])
    dimensions: list[str] = field(default_factory=lambda: ["Social hållbarhet"])
    follow_up: list[str] = field(default_factory=lambda: ["Kön", "Ålder"])


def interventions_for(round_):
    year = round_.period_start.year
    return [
        Intervention(
            title="Kunskapslyft om hållbar tillväxt i Skåne",
            description="Seminarier, analysstöd och en gemensam kunskapsbank för regionens "
            "aktörer.",
            areas=["Sprida forskning", "Utveckla metoder och verktyg"],
            dimensions=["Ekonomisk hållbarhet", "Miljömässig hållbarhet"],
            gender="Könsuppdelad statistik i alla analyser och jämn fördelning bland talarna.",
            age="Unga vuxna bjuds in via gymnasieskolorna och högskolorna.",
            background="Samarbete med etableringsprojekt och flerspråkig information.",
            actors="Region Skåne, Lunds universitet och Skånes kommuner.",
            start=f"{year}-03-01",
            end=f"{year + 1}-12-31",
            cost="450 000",
            effects=["Starkare regionalt ledarskap"],
            money={0: ("150 000", "50 000", ""), 1: ("200 000", "50 000", "")},
        ),
        Intervention(
            title="Utlysning för gröna idéer på landsbygden",
            description="En utlysning för småföretag som vill ställa om till cirkulära "
            "affärsmodeller.",
            areas=["Utlysning av medel"],
            dimensions=["Social hållbarhet"],
            gender="Särskilda informationsträffar för kvinnliga företagare.",
            age="Öppen för alla åldrar; mentorer för unga företagare.",
            background="Information på arabiska, somaliska och engelska.",
            actors="Almi Företagspartner Syd och LRF Skåne.",
            start=f"{year}-09-01",
            end=f"{year + 2}-06-30",
            cost="1 200 000",
            priority="Medel",
            money={
                0: ("300 000", "", "100 000"),
                1: ("400 000", "", "100 000"),
                2: ("300 000", "", ""),
            },
        ),
    ]


def goals_for(round_, interventions):
    year = round_.period_end.year
    return [
        GoalData(
            goal="Fler små företag i Skåne arbetar med hållbarhetsanalys.",
            indicator="Antal företag som genomfört en hållbarhetsanalys",
            target_value="150 företag",
            target_date=f"{year}-06-30",
            interventions=[f"Insats 1: {interventions[0].title}"],
        ),
        GoalData(
            goal="Alla kommuner i Skåne har en gemensam lägesbild av hållbar tillväxt.",
            indicator="Andel kommuner som deltar i det regionala forumet",
            target_value="33 av 33 kommuner",
            target_date=f"{year}-12-31",
            interventions=[
                f"Insats 1: {interventions[0].title}",
                f"Insats 2: {interventions[1].title}",
            ],
        ),
    ]


# --- Reading the page -------------------------------------------------------------------------

FORM_VALUES_JS = """(form) => {
  const values = {};
  for (const el of form.elements) {
    if (!el.name || ['hidden', 'submit', 'button'].includes(el.type)) continue;
    if (el.type === 'checkbox' || el.type === 'radio') {
      values[el.name + '=' + el.value] = el.checked;
    } else {
      values[el.name] = el.value;
    }
  }
  return values;
}"""


def form_values(page, selector="main form[data-inventory-form]"):
    """Every visible field's value in the form: what a user typed, ticked or chose."""
    return page.locator(selector).evaluate(FORM_VALUES_JS)


def active_element(page):
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'),
                  text: (el.innerText || '').trim().slice(0, 80)};
        }"""
    )


def assert_error_summary_focused(page, expected_texts):
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')"), (
        f"the error summary does not have focus: {active_element(page)}"
    )
    text = summary.inner_text()
    for expected in expected_texts:
        assert expected in text, f"{expected!r} not in the error summary:\n{text}"


def submit(page, button):
    """Press a submit button and wait for the server's answer to load."""
    with page.expect_navigation():
        button.click()


def wait_for_path(page, ending):
    """Wait until the page's path ends with ``ending`` (query and fragment ignored)."""
    page.wait_for_url(re.compile(r"^[^?#]*" + re.escape(ending) + r"([?#].*)?$"))


def totp_code(key: bytes, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for ``key`` now (or ``steps_ahead`` × 30 s later)."""
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def pass_second_factor(page, axe_check=None, *, key: bytes | None = None, screenshot=None) -> bytes:
    """After a staff member's password: enrol an app the first time, else type the app's code.

    The enrolment reads the key off the page as a person who cannot scan would type it, and
    computes the codes from it. Returns the key, for the next sign-in.
    """
    page.wait_for_url(re.compile(r"/konto/tvastegsverifiering/"))
    if "/aktivera/" in page.url:
        expect(page.locator("h1")).to_have_text("Aktivera tvåstegsverifiering")
        expect(page.get_by_role("img", name=re.compile("QR-kod"))).to_be_visible()
        if axe_check:
            axe_check(page, "staff: second factor enrolment")
        if screenshot:
            screenshot(page, "staff-second-factor-enrol")
        secret = page.get_by_test_id("totp-secret").inner_text()
        key = base64.b32decode("".join(secret.split()))
        submit(page, page.get_by_role("button", name="Aktivera"))  # no code typed yet
        assert_error_summary_focused(page, ["Skriv koden från appen."])
        if axe_check:
            axe_check(page, "staff: second factor enrolment (no code)")
        page.get_by_label("Engångskod").fill(totp_code(key))
        submit(page, page.get_by_role("button", name="Aktivera"))
        expect(page.locator("h1")).to_have_text("Tvåstegsverifieringen är aktiverad")
        expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
        if axe_check:
            axe_check(page, "staff: backup codes")
        if screenshot:
            screenshot(page, "staff-backup-codes")
        page.get_by_role("link", name="Jag har sparat koderna – fortsätt").click()
        return key
    assert key is not None, "this staff member has an app already: pass its key"
    expect(page.locator("h1")).to_have_text("Bekräfta inloggningen")
    if axe_check:
        axe_check(page, "staff: second factor verify")
    if screenshot:
        screenshot(page, "staff-second-factor-verify")
    # The code of the previous sign-in cannot be used again: the app's next code can.
    page.get_by_label("Engångskod").fill(totp_code(key, steps_ahead=1))
    submit(page, page.get_by_role("button", name="Bekräfta"))
    return key


def go_to_start_link(page, name):
    """Follow a link on the region's start page inside the practice round's section."""
    section = page.locator("section.round-overview", has_text="övningsomgång")
    section.get_by_role("link", name=name, exact=True).click()


# --- Steps of the journey ---------------------------------------------------------------------


def invite_contact_person(*, region, staff, email="karin.lund@example.se"):
    """Tillväxtverket registers a contact person; the invitation e-mail leaves (tasks inline)."""
    from regions.models import ContactPerson
    from regions.services import contact_person_register

    mail.outbox.clear()
    contact_person_register(
        full_name="Karin Lund",
        email=email,
        region=region,
        role=ContactPerson.Role.MAIN,
        invited_by=staff,
    )
    assert len(mail.outbox) == 1, "the invitation e-mail was not sent"
    message = mail.outbox[0]
    assert message.to == [email]
    link = re.search(r"https?://\S+/inbjudan/\S+/", message.body)
    assert link, f"no invitation link in the e-mail:\n{message.body}"
    # The link names SITE_URL; the live server listens elsewhere, so follow its path.
    return re.sub(r"^https?://[^/]+", "", link.group(0))


def accept_invitation(page, path, axe_check, screenshot=None):
    page.goto(path)
    assert page.locator("h1").inner_text() == "Välkommen till behovsinventeringen"
    axe_check(page, "invitation: choose password")
    page.get_by_label("Välj ett lösenord").fill(NEW_PASSWORD)
    page.get_by_label("Upprepa lösenordet").fill(NEW_PASSWORD + "x")
    submit(page, page.get_by_role("button", name="Spara lösenordet och logga in"))
    assert_error_summary_focused(page, ["Lösenorden är inte likadana"])
    axe_check(page, "invitation: passwords do not match (error)")
    page.get_by_label("Välj ett lösenord").fill(NEW_PASSWORD)
    page.get_by_label("Upprepa lösenordet").fill(NEW_PASSWORD)
    submit(page, page.get_by_role("button", name="Spara lösenordet och logga in"))
    wait_for_path(page, "/region/region-skane/")
    expect(page.locator(".messages")).to_contain_text("Ditt lösenord är sparat och du är inloggad")
    axe_check(page, "region start page")
    if screenshot:
        screenshot(page, "region-start")


def expect_budget_sum(page, text):
    """Wait until the live sum under the budget shows what was typed.

    The page adds the sum half a second after typing, or at once when the amount field loses
    focus. Clicking a button below before then moves the button away between the mouse's press
    and release (the press takes focus from the field), and the click is lost.
    """
    expect(page.locator("[data-budget-live]")).to_contain_text(text)


def fill_part1(page, axe_check, screenshot=None):
    """Del 1 with a budget over the start capital first: the error, nothing lost, then fixed."""
    go_to_start_link(page, "Del 1 – Nuläge")
    wait_for_path(page, "/del-1/")
    assert page.locator("h1").inner_text() == "Del 1 – Nuläge"
    axe_check(page, "Del 1 – Nuläge (empty)")
    for label, text in PART1_TEXTS.items():
        page.get_by_label(label, exact=True).fill(text)
    (first, first_amount), (second, _amount) = BUDGET
    page.get_by_label("Användning, rad 1").fill(first)
    page.get_by_label("Planerat belopp i kronor, rad 1").fill(first_amount)
    page.get_by_label("Använt hittills i kronor, rad 1").fill("25 000")
    page.get_by_label("Användning, rad 2").fill(second)
    page.get_by_label("Planerat belopp i kronor, rad 2").fill("50 000")  # 110 000 > 100 000
    # The live sum counts what is typed, before anything is saved.
    expect_budget_sum(page, "10\u00a0000 kr mer")
    # A live character counter under every long answer; spoken only near the limit.
    expect(page.locator("#id_context_count")).to_contain_text("tecken kvar")
    spoken = page.locator("#id_needs_challenges_count + [data-char-live]")
    page.get_by_label("Behov och utmaningar", exact=True).fill("x" * 9_400)
    expect(spoken).to_have_text("Du har 600 tecken kvar.")
    page.get_by_label("Behov och utmaningar", exact=True).fill(PART1_TEXTS["Behov och utmaningar"])
    expect(spoken).to_have_text("")
    typed = form_values(page)
    submit(page, page.get_by_role("button", name="Spara", exact=True))
    assert_error_summary_focused(page, ["startkapital"])
    assert form_values(page) == typed, "text typed in Del 1 was lost after the validation error"
    axe_check(page, "Del 1 – budget over the start capital (error)")
    if screenshot:
        screenshot(page, "part1-error")
    # The link in the summary moves focus to the budget.
    page.locator("[data-error-summary] a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_budget"
    page.get_by_label("Planerat belopp i kronor, rad 2").fill(BUDGET[1][1])
    expect_budget_sum(page, "0\u00a0kr kvar av startkapitalet")
    submit(page, page.get_by_role("button", name="Spara och gå till Del 2"))
    wait_for_path(page, "/del-2/")
    expect(page.locator(".messages")).to_contain_text("Del 1 är sparad.")


def add_intervention(page, data, axe_check, *, provoke_error=False):
    page.get_by_role("link", name="Lägg till insats").click()
    wait_for_path(page, "/del-2/ny/")
    if not provoke_error:
        axe_check(page, "Del 2 – add an intervention")
    page.get_by_label("Rubrik").fill(data.title)
    page.get_by_label("Beskrivning", exact=True).fill(data.description)
    for name in data.areas + data.dimensions:
        page.get_by_label(name, exact=True).check()
    page.get_by_label("Intersektionellt perspektiv: kön").fill(data.gender)
    page.get_by_label("Intersektionellt perspektiv: ålder").fill(data.age)
    page.get_by_label("Intersektionellt perspektiv: utländsk bakgrund").fill(data.background)
    page.get_by_label("Aktörer och samarbetspartner").fill(data.actors)
    page.get_by_label("Start", exact=True).fill(data.start)
    page.get_by_label("Slut", exact=True).fill(data.end)
    first_year = practice_round().period_start.year
    for offset, amounts in data.money.items():
        for label, amount in zip(
            (
                "Söks från programmet (kr)",
                "Egen medfinansiering (kr)",
                "Annan medfinansiering (kr)",
            ),
            amounts,
            strict=True,
        ):
            page.get_by_label(f"{label} {first_year + offset}", exact=True).fill(amount)
    page.get_by_label(data.priority, exact=True).check()
    for name in data.effects:
        page.get_by_label(name, exact=True).check()
    cost = page.get_by_label("Beräknad kostnad (kr)")
    if provoke_error:
        cost.fill("12,5")
        typed = form_values(page)
        submit(page, page.get_by_role("button", name="Spara insatsen"))
        assert_error_summary_focused(page, ["Beräknad kostnad (kr): Ange ett heltal"])
        assert form_values(page) == typed, "the intervention's fields were not all kept"
        axe_check(page, "Del 2 – intervention with a cost in decimals (error)")
        page.locator("[data-error-summary] a").first.click()
        assert page.evaluate("document.activeElement.id") == "id_cost"
    cost.fill(data.cost)
    submit(page, page.get_by_role("button", name="Spara insatsen"))
    wait_for_path(page, "/del-2/")
    expect(page.locator(".messages")).to_contain_text(f"Insatsen ”{data.title}” är sparad.")


def fill_part3(page, axe_check):
    page.get_by_role("link", name="Gå vidare till Del 3").click()
    wait_for_path(page, "/del-3/")
    assert "Stärkt arbete med hållbar utveckling som helhet" in (
        page.locator(".end-state").inner_text()
    )
    axe_check(page, "Del 3 – Börläge, mål och effekter (empty)")
    for label, text in PART3_TEXTS.items():
        page.get_by_label(label, exact=True).fill(text)
    submit(page, page.get_by_role("button", name="Spara", exact=True))
    wait_for_path(page, "/del-3/")
    expect(page.locator(".messages")).to_contain_text("Del 3 är sparad.")
    # Typed, not saved: the next "Lägg till mål" must keep it.
    for label, text in PART3_UNSAVED.items():
        page.get_by_label(label, exact=True).fill(text)


def add_goal(page, data, axe_check, *, first=False):
    submit(page, page.get_by_role("button", name="Lägg till mål"))
    wait_for_path(page, "/del-3/mal/nytt/")
    if first:
        axe_check(page, "Del 3 – add a goal")
    page.get_by_label("Mål (obligatoriskt)", exact=True).fill(data.goal)
    for name in data.effects + data.dimensions:
        page.get_by_label(name, exact=True).check()
    page.get_by_label("Indikator", exact=True).fill(data.indicator)
    for name in data.follow_up:
        page.get_by_label(name, exact=True).check()
    page.get_by_label("Målvärde").fill(data.target_value)
    page.get_by_label("Uppnås senast").fill(data.target_date)
    for name in data.interventions:
        page.get_by_label(name, exact=True).check()
    submit(page, page.get_by_role("button", name="Spara målet"))
    wait_for_path(page, "/del-3/")
    expect(page.locator(".messages")).to_contain_text("är sparat.")


def review_and_submit(page, axe_check, screenshot=None):
    page.locator("nav[aria-label='Behovsinventeringens delar']").get_by_role(
        "link", name="Granska och skicka in"
    ).click()
    wait_for_path(page, "/granska/")
    checklist = page.locator("section.checklist")
    assert "Inget saknas." in checklist.inner_text(), checklist.inner_text()
    assert PART3_EDITED in page.locator("section.whole-inventory").inner_text()
    axe_check(page, "review and submit")
    if screenshot:
        screenshot(page, "review")
    # Submitting without the confirmation is refused, with the reason next to the box.
    submit(page, page.get_by_role("button", name="Skicka in"))
    assert_error_summary_focused(page, ["Kryssa i rutan"])
    axe_check(page, "review – confirmation missing (error)")
    page.get_by_label("Jag bekräftar att uppgifterna är korrekta").check()
    submit(page, page.get_by_role("button", name="Skicka in"))
    wait_for_path(page, "/version/1/")


def check_receipt(page, axe_check, screenshot=None, *, number=1):
    heading = page.locator("h1").inner_text()
    assert heading == f"Kvitto – version {number}", heading
    receipt = page.locator("section.receipt")
    assert f"Version {number} av Region Skånes behovsinventering är inskickad" in (
        receipt.inner_text()
    )
    assert "dagar kvar" not in page.locator("main").inner_text()
    assert "Det här händer sedan" in page.locator("main").inner_text()
    checksum = page.locator("details.receipt-checksum")
    checksum.locator("summary").click()
    sha256 = checksum.locator(".hash").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", sha256), sha256
    axe_check(page, f"receipt, version {number}")
    if screenshot:
        screenshot(page, "receipt")
    return sha256


def download_pdf_text(page, number=1):
    """Download the version's PDF through its link on the page; return its text."""
    from pypdf import PdfReader

    link = page.get_by_role("link", name=re.compile(f"PDF-kopian av version {number}"))
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    content = open(download.path(), "rb").read()
    assert content.startswith(b"%PDF-")
    reader = PdfReader(BytesIO(content))
    return "\n".join(page_.extract_text() or "" for page_ in reader.pages)


def submit_as_new_contact(page, *, region, staff, axe_check, screenshot=None, errors=True):
    """Journey (a) up to the receipt: invitation → password → three parts → submit.

    Returns the receipt's SHA-256.
    """
    round_ = practice_round()
    path = invite_contact_person(region=region, staff=staff)
    accept_invitation(page, path, axe_check, screenshot)
    fill_part1(page, axe_check, screenshot)
    interventions = interventions_for(round_)
    axe_check(page, "Del 2 – Insatser (empty)")
    add_intervention(page, interventions[0], axe_check, provoke_error=errors)
    add_intervention(page, interventions[1], axe_check)
    assert page.locator("article.item-card h2").all_inner_texts() == [
        f"Insats 1: {interventions[0].title}",
        f"Insats 2: {interventions[1].title}",
    ]
    axe_check(page, "Del 2 – two interventions")
    fill_part3(page, axe_check)
    for number, goal in enumerate(goals_for(round_, interventions), start=1):
        add_goal(page, goal, axe_check, first=number == 1)
    assert page.locator("article.item-card h3").count() == 2
    # The text typed before "Lägg till mål" without "Spara" was saved on the way.
    for label, text in PART3_UNSAVED.items():
        assert page.get_by_label(label, exact=True).input_value() == text
    expect(page.locator("p.saved-by").first).to_contain_text("Senast sparad av Karin Lund")
    axe_check(page, "Del 3 – two goals")
    page.get_by_role("link", name="Om uppdraget").click()
    wait_for_path(page, "/om-uppdraget/")
    axe_check(page, "Om uppdraget")
    page.go_back()
    wait_for_path(page, "/del-3/")
    # An edit, then away through the stepper without "Spara": it is saved on the way.
    page.get_by_label("Ökad tillit", exact=True).fill(PART3_EDITED)
    page.locator("nav[aria-label='Behovsinventeringens delar']").get_by_role(
        "link", name="Del 2 – Insatser"
    ).click()
    wait_for_path(page, "/del-2/")
    expect(page.locator(".messages")).to_contain_text("Del 3 är sparad.")
    totals = page.locator("table.year-totals")
    first_year = round_.period_start.year
    expect(totals.locator("tbody tr").first).to_contain_text(f"{first_year}")
    expect(totals.locator("tfoot")).to_contain_text("1\u00a0350\u00a0000\u00a0kr")
    axe_check(page, "Del 2 – totals per year")
    review_and_submit(page, axe_check, screenshot)
    return check_receipt(page, axe_check, screenshot)
