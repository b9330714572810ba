"""The PDF copy of record: what it shows, tagged PDF/A-2a, embedded fonts, and no fetching."""

import gc
import os
import sys
import urllib.request
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from pypdf.generic import StreamObject
from weasyprint import HTML

from inventories import pdf
from inventories.models import CurrentState, InventoryVersion
from inventories.pdf import FetchRefused, StaticFileFetcher, inventory_version_pdf
from inventories.tests.records_helpers import Listener, pdf_reader, pdf_text, submit_inventory

pytestmark = pytest.mark.django_db

PDFAID = "http://www.aiim.org/pdfa/ns/id/"


@pytest.fixture
def version(region, contact):
    return submit_inventory(region=region, user=contact, interventions=12, goals=4)


def test_the_pdf_shows_the_whole_submission(version):
    content = inventory_version_pdf(version)
    reader = pdf_reader(content)
    text = pdf_text(content)

    assert content.startswith(b"%PDF-")
    assert len(reader.pages) > 1
    assert "Behovsinventering – Region Skåne" in text
    assert "Hållbar regional utveckling – Behovsinventering hösten 2019" in text
    assert "Version 1" in text
    assert version.sha256 in text
    assert "15 november 2019 kl. 10:00 (svensk tid)" in text
    assert version.submitted_by_name in text
    # Del 1, with its budget and the start capital.
    assert "Del 1 – Nuläge" in text
    assert "Nuläge context: Skånes näringsliv – åäö ÅÄÖ." in text
    assert "Budgetrad 1 60 000 kr" in text
    assert "Summa 100 000 kr" in text
    # Del 2: every intervention as a block, codes shown as the programme's words.
    assert "Del 2 – Insatser" in text
    for n in (1, 12):
        assert f"Insats {n}: Insats {n}: Hållbar omställning" in text
    assert "Beskrivning av insats 12 – gröna jobb i Malmö och Lund." in text
    assert "Sprida forskning, Ökad samverkan och erfarenhetsutbyte" in text
    assert "Ekonomisk hållbarhet, Social hållbarhet" in text
    assert "research" not in text and "environmental," not in text
    assert "1 mars 2020 – 31 december 2021" in text
    assert "Beräknad kostnad för alla insatser: 19 500 000 kr" in text
    # Del 3, with the goals and the interventions that lead there.
    assert "Del 3 – Börläge, mål och effekter" in text
    assert "Börläge: hållbarhet integrerad i det regionala tillväxtarbetet." in text
    assert "Ökad tillit mellan aktörer." in text
    assert "Mål 4 Mål Mål 4: fler hållbara företag" in text
    # Schema 2: the effects as a heading, goals name their interventions by title, money
    # per year per intervention and in total.
    assert "Effekter på lång sikt" in text
    assert "Insats 1: Insats 1: Hållbar omställning" in text.split("Mål 1")[-1]
    assert "Pengar per år, alla insatser" in text
    # An intervention's money per year: one line per year, every amount and the year's total.
    assert (
        "Pengar per år 2020: söks från programmet 100 000 kr, egen medfinansiering 10 000 kr, "
        "annan medfinansiering 5 000 kr, totalt 115 000 kr 2021: söks från programmet 50 000 kr"
    ) in text
    assert "Önskat sluttillstånd" in text
    assert "Insatser som leder dit Insats 1" in text
    # Running header and "Sida X av Y" footer on every page.
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        page_text = " ".join(page.extract_text().split())
        assert "Behovsinventering – Region Skåne" in page_text
        assert f"Sida {number} av {pages}" in page_text
        assert f"SHA-256: {version.sha256}" in page_text


def test_the_pdf_is_rendered_from_the_snapshot_not_the_live_inventory(version):
    CurrentState.objects.filter(inventory=version.inventory).update(
        context="Ändrat efter inlämningen"
    )
    text = pdf_text(inventory_version_pdf(version))
    assert "Nuläge context: Skånes näringsliv – åäö ÅÄÖ." in text
    assert "Ändrat efter inlämningen" not in text


def test_a_snapshot_that_does_not_match_its_hash_is_never_rendered(version):
    altered = InventoryVersion(
        inventory=version.inventory,
        number=version.number,
        snapshot_json=version.snapshot_json.replace("åäö", "aao"),
        sha256=version.sha256,
    )
    with pytest.raises(pdf.SnapshotHashMismatch):
        inventory_version_pdf(altered)


def _xmp(reader) -> ET.Element:
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    return ET.fromstring(metadata)


def _xmp_value(root, name):
    key = f"{{{PDFAID}}}{name}"
    for element in root.iter():
        if element.tag == key:
            return element.text
        if key in element.attrib:
            return element.attrib[key]
    return None


def test_the_pdf_is_tagged_pdfa_2a_with_its_metadata(version):
    reader = pdf_reader(inventory_version_pdf(version))
    root = _xmp(reader)
    assert _xmp_value(root, "part") == "2"
    assert _xmp_value(root, "conformance") == "A"
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "sv"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    assert "/OutputIntents" in catalog
    info = reader.metadata
    assert info.title == "Behovsinventering hösten 2019 – Region Skåne – version 1"
    assert info.author == "Region Skåne"
    assert info.subject.startswith("Hållbar regional utveckling:")


def _fonts(reader):
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            yield font.get_object()


def test_every_font_is_embedded_dejavu_sans(version):
    fonts = list(_fonts(pdf_reader(inventory_version_pdf(version))))
    assert fonts
    for font in fonts:
        assert "DejaVu-Sans" in font["/BaseFont"]
        descendants = font.get("/DescendantFonts")
        descriptor_owner = descendants[0].get_object() if descendants else font
        descriptor = descriptor_owner["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]


# --- No fetching ------------------------------------------------------------------------------


def test_the_fetcher_serves_the_portals_own_static_files():
    fetcher = StaticFileFetcher()
    css = Path(settings.STATICFILES_DIRS[0]) / "css" / "pdf.css"
    response = fetcher.fetch(css.resolve().as_uri())
    assert response.read() == css.read_bytes()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:///etc/passwd?x=/static/css/pdf.css",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.se/pdf.css",
        "data:text/css,body%7Bcolor:red%7D",
        "ftp://example.se/x.css",
        "//example.se/x.css",
        "pdf.css",
    ],
)
def test_the_fetcher_refuses_everything_else(url):
    with pytest.raises(FetchRefused):
        StaticFileFetcher().fetch(url)


def test_the_fetcher_refuses_paths_that_leave_the_static_folder(tmp_path):
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "ok.css").write_text("p {}")
    (tmp_path / "secret.css").write_text("p { color: red }")
    (root / "css" / "link.css").symlink_to(tmp_path / "secret.css")
    fetcher = StaticFileFetcher(root=root)

    assert fetcher.fetch((root / "css" / "ok.css").as_uri()).read() == b"p {}"
    for url in (
        (root / "css" / "link.css").as_uri(),
        root.as_uri() + "/css/../../secret.css",
        root.as_uri() + "/css/%2e%2e/%2e%2e/secret.css",
        (root / "css").as_uri(),
    ):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)


def test_the_fetcher_never_touches_the_network():
    with Listener() as listener:
        with pytest.raises(FetchRefused):
            StaticFileFetcher().fetch(f"http://127.0.0.1:{listener.port}/x")
        with pytest.raises(FetchRefused):
            StaticFileFetcher().open(urllib.request.Request(f"http://127.0.0.1:{listener.port}/"))
    assert listener.requests == []


class _Audit:
    """Records files opened and sockets connected while active (an audit hook stays installed
    for the life of the process, so it only records inside ``watch``)."""

    active = False
    opened: list = []
    connected: list = []

    @classmethod
    def hook(cls, event, args):
        if not cls.active:
            return
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            cls.opened.append(os.fsdecode(args[0]))
        elif event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
            cls.connected.append((event, repr(args)[:200]))


sys.addaudithook(_Audit.hook)


@contextmanager
def watch():
    _Audit.opened, _Audit.connected, _Audit.active = [], [], True
    try:
        yield _Audit
    finally:
        _Audit.active = False


def test_hostile_text_is_printed_as_text_and_nothing_is_fetched(region, contact, monkeypatch):
    fetched = []
    original_fetch = StaticFileFetcher.fetch

    def recording_fetch(self, url, headers=None):
        fetched.append(url)
        return original_fetch(self, url, headers)

    monkeypatch.setattr(StaticFileFetcher, "fetch", recording_fetch)

    with Listener() as listener:
        hostile = (
            f'<img src="http://127.0.0.1:{listener.port}/x"> '
            '<link rel="attachment" href="file:///etc/passwd"> '
            "<style>@import url(file:///etc/passwd);</style> url(file:///etc/passwd) "
            f'</p></h4><object data="http://127.0.0.1:{listener.port}/o"></object> '
            '<a rel="attachment" href="file:///etc/passwd">a</a> http://169.254.169.254/'
        )

        def poison(inventory):
            current = inventory.current_state
            for name in current.TEXT_FIELDS:
                setattr(current, name, hostile)
            current.save()
            inventory.budget_lines.update(description=hostile[:200])
            inventory.interventions.update(
                title=hostile[:200],
                description=hostile,
                actors=hostile,
                perspective_gender=hostile,
                perspective_age=hostile,
                perspective_background=hostile,
                activity_areas=[hostile],
                dimensions=[hostile],
            )
            target = inventory.target_state
            for name in target.TEXT_FIELDS:
                setattr(target, name, hostile)
            target.save()
            inventory.goals.update(goal=hostile, indicator=hostile, target_value=hostile[:200])

        contact.full_name = hostile[:150]
        contact.save()
        version = submit_inventory(region=region, user=contact, before_submit=poison)
        assert "169.254.169.254" in version.snapshot_json

        with watch() as audit:
            content = inventory_version_pdf(version)

    # Nothing reached the listener, no socket was opened, nothing but our stylesheet was fetched.
    assert listener.requests == []
    assert audit.connected == []
    static = Path(settings.STATICFILES_DIRS[0]).resolve()
    assert fetched == [(static / "css" / "pdf.css").as_uri()]
    # No file was opened but the static folder, the installed software (Python, fonts) and the
    # portal's own code and templates (the PDF template is loaded on first use).
    installed = (str(static), sys.prefix, sys.base_prefix, "/usr/share/fonts", "/usr/lib")
    own_code = str(Path(settings.BASE_DIR).resolve())

    def expected(path):
        if path.startswith(installed):
            return True
        return path.startswith(own_code) and path.endswith((".py", ".pyc", ".html"))

    assert str(static / "css" / "pdf.css") in audit.opened  # the hook does see file reads
    assert "/etc/passwd" not in audit.opened
    assert [path for path in audit.opened if not expected(path)] == []

    # The text is shown as text; the PDF carries no attachment and no link.
    text = pdf_text(content)
    assert f'<img src="http://127.0.0.1:{listener.port}/x">' in text
    assert '<link rel="attachment" href="file:///etc/passwd">' in text
    assert "url(file:///etc/passwd)" in text
    assert "http://169.254.169.254/" in text
    reader = pdf_reader(content)
    catalog = reader.trailer["/Root"]
    names = catalog.get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    assert "/AF" not in catalog
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") not in ("/FileAttachment", "/Link")
    assert b"/EmbeddedFile" not in content
    assert b"root:x:0:0" not in content


def _weasyprint_pdf(html, **options):
    """``html`` as WeasyPrint writes the copy of record by default (no finisher unless given)."""
    fetcher = StaticFileFetcher()
    document = HTML(string=html, base_url=fetcher.root.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(pdf_variant=pdf.PDF_VARIANT, pdf_tags=True, **options)


def test_serialising_each_object_once_changes_no_byte(version):
    """The finisher that keeps each object's bytes only saves time: the file is the same."""
    html = pdf.version_pdf_html(version)
    expected = _weasyprint_pdf(html)
    assert _weasyprint_pdf(html, finisher=pdf.serialise_objects_once) == expected
    assert b"/ID [" in expected  # PDF/A's identifier, the reason objects were serialised twice


def _streams(content):
    """The decoded bytes of every stream of the file but the object and cross-reference streams
    (which only a compressed file has), with its filter, by object number."""
    reader = pdf_reader(content)
    streams = {}
    for number in range(1, reader.trailer["/Size"]):
        obj = reader.get_object(number)
        if isinstance(obj, StreamObject) and obj.get("/Type") not in ("/ObjStm", "/XRef"):
            streams[number] = (obj.get("/Filter"), obj.get_data())
    return streams


def test_streams_are_compressed_at_zlibs_default_level_and_hold_the_same_bytes(version):
    """Level 6 instead of pydyf's 9 only saves time: every stream is compressed and decodes to
    the bytes of WeasyPrint's uncompressed file, and the pages say the same."""
    html = pdf.version_pdf_html(version)
    content, uncompressed = pdf.render_pdf(html), _weasyprint_pdf(html, uncompressed_pdf=True)
    streams, expected = _streams(content), _streams(uncompressed)
    assert len(streams) > len(pdf_reader(content).pages)  # the pages' contents, fonts, profile
    assert streams.keys() == expected.keys()
    for number, (filter_, data) in streams.items():
        assert (filter_, data) == ("/FlateDecode", expected[number][1])
    # zlib's header says the level: 78 9C is the default, 78 DA the best (pydyf's own).
    assert b"stream\nx\x9c" in content and b"stream\nx\xda" not in content
    assert pdf_text(content) == pdf_text(uncompressed)


def test_the_cyclic_collector_is_paused_while_rendering_and_resumed_after(version, monkeypatch):
    """Full collections over the growing document made large PDFs slower per page."""
    html = pdf.version_pdf_html(version)
    finishing = pdf.serialise_objects_once
    enabled_while_finishing = []

    def finisher(document, written):
        enabled_while_finishing.append(gc.isenabled())
        finishing(document, written)

    monkeypatch.setattr(pdf, "serialise_objects_once", finisher)
    assert gc.isenabled()
    content = pdf.render_pdf(html)
    assert enabled_while_finishing == [False]
    assert gc.isenabled()
    assert "Behovsinventering" in pdf_text(content)
