#!/usr/bin/env python
"""Benchmark the exports of a round: the workbook (XLSX) of every region's latest submitted
version, the synthesis export (the same workbook for a synthesis filter with drafts) and the
CSV tables in a ZIP, at 21 and at 311 regions with 30 interventions each.

    .venv/bin/python bench/exports.py [runs]

Builds a throwaway database: a temporary SQLite file, or, when DATABASE_URL points at
PostgreSQL, a database with a name unique to this run (``portal_bench_exports_<pid>_<hex>``)
that only this run creates and drops. One 2019 inventory is filled by the test factories
(30 interventions, 15 goals), given realistic texts (long Swedish paragraphs with å, ä and ö in
every text of Del 1 and Del 3, each intervention's description and perspectives) and submitted;
its snapshot is then copied to the 20 other regions, each with its own region name in the
texts, and measured; then 290 more regions are added the same way (bulk inserts) and measured
again.

Prints, for each size, the median wall and CPU time of ``runs`` builds (default 5), the queries
each build runs, the file size, and the peak of Python allocations during one build (tracemalloc, in
a separate run so that it does not slow the timed ones). Goals (issue 17): the 311-region case
under 1 s and under 200 MB for each export. Exits 1 when a goal is missed.
"""

import copy
import datetime
import io
import json
import os
import shutil
import statistics
import string
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="exports-bench-")
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
os.environ["PORTAL_VAR_DIR"] = TMP
os.environ["TEST_MEDIA_ROOT"] = str(Path(TMP) / "media")
os.environ.pop("CELERY_BROKER_URL", None)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from throwaway import database_create  # noqa: E402

STOCKHOLM = ZoneInfo("Europe/Stockholm")
IN_ROUND = datetime.datetime(2019, 11, 15, 10, 0, tzinfo=STOCKHOLM)
INTERVENTIONS = 30
GOALS = 15
SIZES = (21, 311)
GOAL_SECONDS, GOAL_MB = 1.0, 200
SENTENCES = [
    "Region {region} har under de senaste åren stärkt näringslivets omställning till en hållbar "
    "ekonomi, med särskilt fokus på små och medelstora företag i länets mindre tätorter.",
    "Företagen möter långa avstånd till högskolor och forskningsmiljöer, svårigheter att "
    "rekrytera rätt kompetens och en begränsad tillgång till riskkapital i tidiga skeden.",
    "Samtidigt växer efterfrågan på fossilfria lösningar, och flera företag har utvecklat "
    "produkter som redan säljs på den internationella marknaden.",
    "Insatsen bygger vidare på befintliga styrkeområden och ökar samverkan mellan kommuner, "
    "lärosäten, länsstyrelsen och näringslivets organisationer.",
    "Kvinnor och män, unga och äldre samt personer med utländsk bakgrund ska få del av "
    "resurserna på lika villkor; uppföljningen redovisar utfallet uppdelat på dessa grupper.",
    "Under första året kartläggs behoven i de fjorton kommunerna; därefter följer pilotinsatser "
    "i tre delregioner innan arbetet sprids till hela länet.",
]


def paragraphs(region: str, seed: int, sentences: int) -> str:
    chosen = [
        SENTENCES[(seed + k * 3) % len(SENTENCES)].format(region=region) for k in range(sentences)
    ]
    return "\n\n".join(" ".join(chosen[k : k + 4]) for k in range(0, len(chosen), 4))


def template_version():
    """One inventory submitted the real way (30 interventions, 15 goals)."""
    import time_machine

    from inventories.services import inventory_submit
    from inventories.tests.factories import open_inventory, round_2019
    from regions.models import Region
    from regions.tests.factories import ContactPersonFactory

    region = Region.objects.get(code="12")
    user = ContactPersonFactory(region=region, user__full_name="Åsa Öberg").user
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(
            round=round_2019(), region=region, user=user, interventions=INTERVENTIONS, goals=GOALS
        )
        return inventory_submit(inventory=inventory, user=user)


def realistic_snapshot(snapshot: dict, region: str) -> dict:
    """``snapshot`` with the texts real inventories have, naming ``region``."""
    data = copy.deepcopy(snapshot)
    for part in ("part1", "part3"):
        for n, (name, value) in enumerate(list(data[part].items())):
            if isinstance(value, str) and len(value) > 20:
                data[part][name] = paragraphs(region, n, 6)
    for n, item in enumerate(data["part2"]["interventions"]):
        item["description"] = paragraphs(region, n, 5)
        item["perspective_gender"] = paragraphs(region, n + 1, 2)
        item["perspective_age"] = paragraphs(region, n + 2, 1)
        item["perspective_background"] = paragraphs(region, n + 3, 1)
        item["actors"] = f"Lärosäten, kommunerna och näringslivets organisationer i {region}"
    for n, goal in enumerate(data["part3"]["goals"]):
        goal["goal"] = paragraphs(region, n, 1)
    return data


def copy_to_regions(template, regions) -> None:
    """Submitted inventories with ``template``'s content (and the region's name in the texts)."""
    from inventories.models import Inventory, InventoryVersion
    from inventories.snapshot import sha256_hex

    inventories = Inventory.objects.bulk_create(
        Inventory(round=template.inventory.round, region=region, status="submitted")
        for region in regions
    )
    versions = []
    for inventory, region in zip(inventories, regions, strict=True):
        text = json.dumps(realistic_snapshot(template.snapshot, region.name), ensure_ascii=False)
        versions.append(
            InventoryVersion(
                inventory=inventory,
                number=1,
                snapshot_json=text,
                sha256=sha256_hex(text),
                submitted_at=template.submitted_at,
                submitted_by=template.submitted_by,
                submitted_by_name=template.submitted_by_name,
                deadline=template.deadline,
            )
        )
    InventoryVersion.objects.bulk_create(versions)


def grow_to(count: int) -> None:
    from regions.models import Region

    have = Region.objects.filter(active=True).count()
    codes = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase]
    Region.objects.bulk_create(
        Region(
            code=code,
            name=f"Testregion {code}",
            county_name=f"Testlän {code}",
            slug=f"testregion-{code.lower()}",
        )
        for code in codes[have - 21 : count - 21]
    )


def exports_to_measure():
    from staff import exports
    from staff.synthesis import SynthesisFilter

    synthesis_filter = SynthesisFilter(area="research", drafts=True)
    return {
        "XLSX": lambda round_, out: exports.write_round_workbook(round_, out),
        "XLSX, synthesis filter": lambda round_, out: exports.write_round_workbook(
            round_, out, synthesis_filter=synthesis_filter
        ),
        "CSV tables (ZIP)": lambda round_, out: exports.write_round_csv_zip(round_, out),
    }


def measure(round_, build, runs):
    times, cpu, size, queries = [], [], 0, 0
    for _run in range(runs):
        out = io.BytesIO()
        with CaptureQueriesContext(connection) as captured:
            start, start_cpu = time.perf_counter(), time.process_time()
            build(round_, out)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        size, queries = len(out.getvalue()), len(captured)
    tracemalloc.start()
    build(round_, io.BytesIO())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), statistics.median(cpu), queries, size, peak / 1e6


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    old_name = database_create("exports", TMP)
    try:
        return measure_all(runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def measure_all(runs: int) -> int:
    from inventories.tests.factories import round_2019
    from regions.models import Region

    template = template_version()
    round_ = round_2019()
    copy_to_regions(template, list(Region.objects.filter(active=True).exclude(code="12")))
    results = []
    failed = False
    for size in SIZES:
        grow_to(size)
        started = set(round_.inventories.values_list("region_id", flat=True))
        copy_to_regions(template, list(Region.objects.filter(active=True).exclude(pk__in=started)))
        assert Region.objects.filter(active=True).count() == size
        for label, build in exports_to_measure().items():
            seconds, cpu, queries, size_bytes, peak = measure(round_, build, runs)
            results.append((size, label, seconds, cpu, queries, size_bytes, peak))
            if size == SIZES[-1] and (seconds >= GOAL_SECONDS or peak >= GOAL_MB):
                failed = True
    print(
        f"Exports of a round, {INTERVENTIONS} interventions and {GOALS} goals per region "
        f"({connection.vendor}, {connection.settings_dict['NAME']})"
    )
    print(
        f"{'regions':>7}  {'export':<24} {'wall s':>8} {'CPU s':>8} {'queries':>8}"
        f" {'MB file':>8} {'MB peak':>8}"
    )
    for size, label, seconds, cpu, queries, size_bytes, peak in results:
        print(
            f"{size:>7}  {label:<24} {seconds:>8.3f} {cpu:>8.3f} {queries:>8}"
            f" {size_bytes / 1e6:>8.1f} {peak:>8.1f}"
        )
    print(
        f"Goal at {SIZES[-1]} regions: < {GOAL_SECONDS:g} s and < {GOAL_MB} MB each: "
        + ("MISSED" if failed else "met")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        status = main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(status)
