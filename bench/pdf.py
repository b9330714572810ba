#!/usr/bin/env python
"""Benchmark the PDF copy of record: a full inventory with 30 interventions and 15 goals.

    .venv/bin/python bench/pdf.py [runs]

Builds a throwaway SQLite database (a temporary file, whatever DATABASE_URL says), submits Region
Skåne's 2019 inventory filled by the test factories (every field of all three parts, 30
interventions, 15 goals, the budget) and renders that version through
``inventories.pdf.inventory_version_pdf`` ``runs`` times (default 15).

For comparison it renders, in the same runs and interleaved with ours, a plain HTML page of the
same text: every block of text of our document (heading, label, value, table row) as a ``<p>``,
no stylesheet, no running header or footer, no PDF/A, WeasyPrint's defaults. The ratio of the
medians is what our layout, fonts, page furniture and PDF/A cost on top of the text itself.

Prints the median wall time of each, the ratio, peak RSS of the process and the peak of Python
allocations during one render (tracemalloc). Goal: ratio <= 1.3 and our median under 1 s.
"""

import datetime
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="pdf-bench-")
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ["PORTAL_VAR_DIR"] = TMP
os.environ["TEST_MEDIA_ROOT"] = str(Path(TMP) / "media")
os.environ.pop("CELERY_BROKER_URL", None)

import django  # noqa: E402

django.setup()

STOCKHOLM = ZoneInfo("Europe/Stockholm")
IN_ROUND = datetime.datetime(2019, 11, 15, 10, 0, tzinfo=STOCKHOLM)
INTERVENTIONS = 30
GOALS = 15
BLOCKS = {"h1", "h2", "h3", "h4", "p", "dt", "dd", "tr", "li"}


def submitted_version():
    import time_machine
    from django.core.management import call_command

    from inventories.services import inventory_submit
    from inventories.tests.factories import open_inventory, round_2019
    from regions.models import Region
    from regions.tests.factories import ContactPersonFactory

    call_command("migrate", verbosity=0)
    region = Region.objects.get(code="12")
    user = ContactPersonFactory(region=region, user__full_name="Åsa Öberg").user
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(
            round=round_2019(), region=region, user=user, interventions=INTERVENTIONS, goals=GOALS
        )
        return inventory_submit(inventory=inventory, user=user)


class TextBlocks(HTMLParser):
    """The text of each block of the document, in order (the body only)."""

    def __init__(self):
        super().__init__()
        self.blocks, self.current, self.in_body = [], [], False

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
        elif tag in BLOCKS:
            self.flush()

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self.flush()

    def handle_data(self, data):
        if self.in_body:
            self.current.append(data)

    def flush(self):
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []


def plain_page(html: str) -> str:
    parser = TextBlocks()
    parser.feed(html)
    parser.flush()
    body = "".join(f"<p>{escape(text)}</p>\n" for text in parser.blocks)
    return f"<!doctype html>\n<html><head><meta charset='utf-8'></head><body>\n{body}</body></html>"


def main():
    from pypdf import PdfReader
    from weasyprint import HTML

    from inventories.pdf import inventory_version_pdf, version_pdf_html

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    version = submitted_version()
    plain = plain_page(version_pdf_html(version))

    def ours():
        return inventory_version_pdf(version)

    def baseline():
        return HTML(string=plain).write_pdf()

    # Warm up both (fonts, caches), and check what we measure.
    ours_pdf, plain_pdf = ours(), baseline()
    pages = len(PdfReader(__import__("io").BytesIO(ours_pdf)).pages)
    plain_pages = len(PdfReader(__import__("io").BytesIO(plain_pdf)).pages)

    tracemalloc.start()
    ours()
    _current, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    timings = {"ours": [], "plain": []}
    cpu = {"ours": [], "plain": []}
    for _ in range(runs):
        for name, render in (("ours", ours), ("plain", baseline)):
            started, started_cpu = time.perf_counter(), time.process_time()
            render()
            timings[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
    median = {name: statistics.median(values) for name, values in timings.items()}
    median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    ratio = median["ours"] / median["plain"]
    ratio_cpu = median_cpu["ours"] / median_cpu["plain"]
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"PDF copy of record: {INTERVENTIONS} interventions, {GOALS} goals, {runs} runs each")
    print(
        f"  ours  : median {median['ours'] * 1000:7.1f} ms wall, "
        f"{median_cpu['ours'] * 1000:7.1f} ms CPU, {pages} pages, {len(ours_pdf)} bytes"
    )
    print(
        f"  plain : median {median['plain'] * 1000:7.1f} ms wall, "
        f"{median_cpu['plain'] * 1000:7.1f} ms CPU, {plain_pages} pages, {len(plain_pdf)} bytes "
        "(same text, no CSS, no PDF/A)"
    )
    print(f"  ratio : {ratio:.2f} wall, {ratio_cpu:.2f} CPU (goal <= 1.3)")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  peak RSS of the process: {peak_rss_mib:.0f} MiB")
    print(f"  peak Python allocations during one render: {python_peak / 2**20:.1f} MiB")
    ok = ratio <= 1.3 and median["ours"] < 1.0
    print("  goal met" if ok else "  GOAL MISSED (ratio <= 1.3 and median < 1 s)")


if __name__ == "__main__":
    main()
