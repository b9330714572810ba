"""The archival package in Chromium: a handläggare opens *Arkivpaket* from the board, builds the
round's package, follows its progress and downloads it; the downloaded bag validates. axe at each
state. Tasks run inline here (the test settings), so the build finishes within the request."""

import re
import tarfile

import bagit
import pytest
from playwright.sync_api import expect

from records.models import ArchivalPackage
from staff.tests.review_helpers import store_pdf, submitted_inventory
from tests.browser.conftest import sign_in
from tests.browser.journeys import pass_second_factor, submit, wait_for_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_build_follow_and_download_the_archival_package(
    page, axe_check, screenshot, region, contact, staff_user, tmp_path
):
    inventory, version = submitted_inventory(region=region, user=contact)
    store_pdf(version)

    sign_in(page, staff_user.email)
    pass_second_factor(page)
    page.goto("/handlaggare/omgang/2019/")
    page.get_by_role("link", name="Arkivpaket (BagIt)").click()
    wait_for_path(page, "/handlaggare/omgang/2019/arkivpaket/")
    expect(page.locator("main")).to_contain_text("Inga arkivpaket ännu.")
    axe_check(page, "staff: archival packages (none)")

    submit(page, page.get_by_role("button", name="Bygg ett nytt arkivpaket"))
    package = ArchivalPackage.objects.get()
    assert package.status == ArchivalPackage.Status.READY, package.error
    row = page.locator(f"tr[data-package='{package.pk}']")
    expect(row.locator(".package-status")).to_have_text("Klar")
    expect(row).to_contain_text("1 regioner, 1 versioner, 1 PDF-kopior, 0 bilagefiler")
    expect(row).to_contain_text(package.sha256)
    axe_check(page, "staff: archival package ready")
    screenshot(page, "staff-archival-package")

    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile(r"^Ladda ned")).click()
    download = download_info.value
    assert download.suggested_filename == f"behovsinventering-2019-arkivpaket-{package.pk}.tar"
    with tarfile.open(download.path()) as packed:
        packed.extractall(tmp_path, filter="data")
    bag = bagit.Bag(str(tmp_path / "behovsinventering-2019"))
    bag.validate()
    assert bag.info["Version-Count"] == "1"

    # A package being built shows its progress instead of the button.
    ArchivalPackage.objects.create(
        round=inventory.round, requested_by=staff_user, status="building", progress=40
    )
    page.reload()
    progress = page.get_by_label("Byggs: 40 % klart")
    expect(progress).to_have_attribute("value", "40")
    expect(page.get_by_role("button", name="Bygg ett nytt arkivpaket")).to_have_count(0)
    axe_check(page, "staff: archival package building")
    assert page.js_errors == []
