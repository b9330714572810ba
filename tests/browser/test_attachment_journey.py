"""The attachment journey in Chromium: a contact person uploads two files, watches the upload
progress and sees them "being checked"; clamd (a real one) finds them clean; the contact person
submits, and both files are listed on the receipt page and in the PDF of record.

Uploads are sent by ``static/js/uploads.js`` (XMLHttpRequest with upload progress). The upload
speed is throttled through Chromium's DevTools protocol so the progress is really seen between
0 and 100 %. The tasks go to a queue of the real Redis broker that no worker consumes: the test
then runs each queued task itself (the scan, the PDF), as a worker would pick them up.
"""

import os
import re
import subprocess
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import reset_broker_connections
from inventories.demo import practice_round
from inventories.models import Attachment, InterventionYear, Inventory, VersionDocument
from inventories.tests.factories import open_inventory
from regions.tests.factories import ContactPersonFactory
from tests.browser import journeys
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: About 1.5 MB: at the throttled 1 MB/s the upload takes over a second.
STRATEGY = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"% regional utvecklingsstrategi\n" * 50_000 + b"%%EOF\n"
)
DECISION = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"% styrelsens beslut\n" * 80_000 + b"%%EOF\n"

#: Records every state the upload box shows (visible, bar value, status text) while it shows.
RECORD_UPLOAD_STATES_JS = """() => {
  window.uploadStates = [];
  const box = document.querySelector('[data-upload-progress-box]');
  const bar = box.querySelector('progress');
  const status = box.querySelector('[data-upload-status]');
  const note = () => window.uploadStates.push(
    {hidden: box.hidden, value: Number(bar.value), text: status.textContent});
  new MutationObserver(note).observe(box, {attributes: true, subtree: true,
    childList: true, characterData: true});
}"""


@pytest.fixture
def idle_queue(broker_url, settings):
    """Tasks are queued to the real Redis broker, on a queue no worker listens to."""
    from portal.celery import app

    queue = f"test-idle-{os.getpid()}-{threading.get_ident()}"
    old = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
        "task_default_queue": app.conf.task_default_queue,
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=broker_url, task_always_eager=False, task_default_queue=queue)
    reset_broker_connections(app)
    try:
        yield queue
    finally:
        app.conf.update(old)
        reset_broker_connections(app)
        import redis

        redis.Redis.from_url(broker_url).delete(queue)


def upload(page, path: Path, kind: str, description: str, axe_check, label: str):
    """Choose the file, press "Ladda upp" and watch the progress until the list answers."""
    form = page.locator("form[data-upload-progress]")
    form.get_by_label("Typ av bilaga (obligatoriskt)").select_option(label=kind)
    form.get_by_label("Kort beskrivning (valfritt)").fill(description)
    form.get_by_label("Fil (obligatoriskt)").set_input_files(str(path))
    page.evaluate(RECORD_UPLOAD_STATES_JS)
    form.get_by_role("button", name="Ladda upp").click()
    progress = page.locator("#upload-progress")
    expect(progress).to_be_visible()
    # Part of the file is sent, not all of it: the bar is moving.
    page.wait_for_function(
        "() => { const bar = document.getElementById('upload-progress');"
        " return bar && bar.value > 0 && bar.value < 100; }"
    )
    expect(page.locator("[data-upload-status]")).to_contain_text(re.compile(r"Laddar upp … \d+ %"))
    axe_check(page, f"attachments: uploading {label}")
    # The server's answer replaces the page: the new file is listed as being checked.
    row = page.locator("table.attachments-table tbody tr", has_text=path.name)
    expect(row.locator(".attachment-status")).to_have_text("Kontrolleras")
    expect(page.locator(".messages")).to_contain_text(
        f"Bilagan ”{path.name}” är uppladdad och kontrolleras nu."
    )
    states = page.evaluate("window.uploadStates")
    values = [state["value"] for state in states if not state["hidden"]]
    assert any(0 < value < 100 for value in values), states
    assert any(state["text"] == "Filen är uppladdad och kontrolleras nu …" for state in states)
    assert values[-1] == 100, states
    return row


def test_contact_person_uploads_two_files_and_submits_them(
    page, browser_context, axe_check, screenshot, region, clamd, idle_queue, tmp_path
):
    from inventories.tasks import attachment_scan, version_render_pdf

    round_ = practice_round()
    contact = ContactPersonFactory(region=region).user
    inventory = open_inventory(round=round_, region=region, user=contact)
    # The factory's dates are the 2019 round's: move them into this round's programme period.
    inventory.interventions.update(start_date=round_.period_start, end_date=round_.period_end)
    for row in InterventionYear.objects.filter(intervention__inventory=inventory):
        row.year += round_.period_start.year - 2020
        row.save()
    sign_in(page, contact.email)
    page.wait_for_url(re.compile(r"/region/"))
    page.goto(f"/region/{region.slug}/{round_.slug}/bilagor/")
    expect(page.locator("h1")).to_contain_text("Bilagor")
    expect(page.locator("main")).to_contain_text("Inga bilagor ännu.")
    axe_check(page, "attachments: none yet")

    # A refused upload (no kind chosen) answers in place: the reason at the field, text kept.
    form = page.locator("form[data-upload-progress]")
    form.get_by_label("Kort beskrivning (valfritt)").fill("Utan typ")
    form.get_by_label("Fil (obligatoriskt)").set_input_files(
        {"name": "beslut.pdf", "mimeType": "application/pdf", "buffer": DECISION}
    )
    form.get_by_role("button", name="Ladda upp").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    journeys.assert_error_summary_focused(page, ["Välj typ av bilaga."])
    expect(form.get_by_label("Kort beskrivning (valfritt)")).to_have_value("Utan typ")
    axe_check(page, "attachments: refused upload (error)")
    assert not Attachment.objects.exists()

    cdp = browser_context.new_cdp_session(page)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 1_000_000},
    )
    strategy = tmp_path / "Regional utvecklingsstrategi.pdf"
    strategy.write_bytes(STRATEGY)
    decision = tmp_path / "Styrelsens beslut.pdf"
    decision.write_bytes(DECISION)
    upload(page, strategy, "Regional utvecklingsstrategi", "RUS 2030", axe_check, "first file")
    axe_check(page, "attachments: first file being checked")
    upload(page, decision, "Beslut av styrelse eller nämnd", "§ 142", axe_check, "second file")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    expect(page.locator("main .alert-info")).to_contain_text("kontrolleras mot skadlig kod")
    axe_check(page, "attachments: two files being checked")
    screenshot(page, "attachments-being-checked")

    # The worker's turn: clamd scans both (queued after each upload committed).
    stored = list(Attachment.objects.order_by("pk"))
    assert [a.original_name for a in stored] == [strategy.name, decision.name]
    assert all(a.status == Attachment.Status.CHECKING for a in stored)
    assert [a.size for a in stored] == [len(STRATEGY), len(DECISION)]
    for attachment in stored:
        assert attachment_scan.apply(args=[attachment.pk]).get() == Attachment.Status.CLEAN
    page.reload()
    rows = page.locator("table.attachments-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.locator(".attachment-status")).to_have_text(["Kontrollerad", "Kontrollerad"])
    expect(page.get_by_role("link", name=strategy.name)).to_be_visible()
    expect(page.locator("main .alert-info")).to_have_count(0)
    axe_check(page, "attachments: both clean")

    page.get_by_role("link", name="Till granska och skicka in").click()
    journeys.wait_for_path(page, "/granska/")
    axe_check(page, "review with attachments")
    page.get_by_label("Jag bekräftar att uppgifterna är korrekta").check()
    journeys.submit(page, page.get_by_role("button", name="Skicka in"))
    journeys.wait_for_path(page, "/version/1/")
    listed = page.locator(".receipt-attachments li")
    expect(listed).to_have_count(2)
    expect(listed.nth(0)).to_contain_text(strategy.name)
    expect(listed.nth(1)).to_contain_text(decision.name)
    axe_check(page, "receipt with attachments")

    # The worker renders the PDF of record; it lists both files.
    inventory.refresh_from_db()
    version = inventory.versions.get()
    assert version_render_pdf.apply(args=[version.pk]).get() == VersionDocument.Status.READY
    document = VersionDocument.objects.get(version=version)
    pdf_text = subprocess.run(
        ["pdftotext", "-layout", document.file.path, "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    flat = re.sub(r"\s+", " ", pdf_text)
    assert strategy.name in flat and decision.name in flat, flat[-2000:]
    assert [row["name"] for row in version.snapshot["attachments"]] == [
        strategy.name,
        decision.name,
    ]
    page.reload()
    text = journeys.download_pdf_text(page, number=1)
    assert "Regional utvecklingsstrategi.pdf" in re.sub(r"\s+", " ", text)
    axe_check(page, "receipt with the PDF ready")
    assert Inventory.objects.get(pk=inventory.pk).status == "submitted"
    assert page.js_errors == []
