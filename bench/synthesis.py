#!/usr/bin/env python
"""Benchmark the synthesis page against the staff board, at 21 and at 290 regions.

    .venv/bin/python bench/synthesis.py          # or: make bench

Creates a throwaway database (a temporary SQLite file, or, when DATABASE_URL points at
PostgreSQL, a database with a name unique to this run, ``portal_bench_synthesis_<pid>_<hex>``,
that only this run creates and drops) and seeds the 2019 round: one inventory with 30
interventions and 15 goals submitted through the services, then a copy of its version for every
other region (bulk_create). Measures, in-process with Django's test client and a signed-in
handläggare (second factor confirmed; DEBUG off, so templates are cached as in production), the
synthesis page and the staff board with all 21 regions submitted, then again after adding 269
more regions (290 × 30 interventions).

Prints the median time of each page at both sizes, the ratio synthesis/board in the same run and
the query counts. Exits 1 when the synthesis page at 290 regions takes 1 s or more, or when its
query count differs between the two sizes.
"""

import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="synthesis-bench-")
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
os.environ.setdefault("PORTAL_VAR_DIR", TMP)
os.environ.setdefault("TEST_MEDIA_ROOT", str(Path(TMP) / "media"))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from throwaway import database_create  # noqa: E402

STOCKHOLM = ZoneInfo("Europe/Stockholm")
IN_ROUND = datetime.datetime(2019, 11, 15, 10, 0, tzinfo=STOCKHOLM)
SIZES = (21, 290)
INTERVENTIONS = 30
GOALS = 15
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
GOAL_SECONDS = 1.0


def seed_first():
    """Skåne's inventory, 30 interventions and 15 goals, submitted through the services."""
    import time_machine

    from inventories.services import inventory_submit
    from inventories.tests.factories import open_inventory, round_2019
    from regions.models import Region
    from regions.tests.factories import ContactPersonFactory

    region = Region.objects.get(code="12")
    user = ContactPersonFactory(region=region).user
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(
            round=round_2019(), region=region, user=user, interventions=INTERVENTIONS, goals=GOALS
        )
        return inventory_submit(inventory=inventory, user=user)


def staff_client():
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from regions.tests.factories import StaffUserFactory

    user = StaffUserFactory()
    device = TOTPDevice.objects.create(user=user, name="Benchapp", confirmed=True)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def count_queries(client, url) -> int:
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        client.get(url)
    return count


def profile(client, url) -> None:
    """BENCH_PROFILE=1: where one request spends its time (cProfile, top 30 by own time)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(client.get, url)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def measure(client, url) -> tuple[float, int]:
    """The median seconds of ``REPEAT`` requests (after one warm-up) and the queries of one."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    queries = count_queries(client, url)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(times), queries


def main() -> int:
    from django.urls import reverse

    from staff.tests.bulk import copy_versions, regions_up_to

    old_name = connection.settings_dict["NAME"]
    database_create("synthesis", TMP)
    try:
        version = seed_first()
        client = staff_client()
        synthesis = reverse("staff:synthesis", kwargs={"round_slug": "2019"})
        board = reverse("staff:board", kwargs={"round_slug": "2019"})
        results = {}
        for size in SIZES:
            copy_versions(version, regions_up_to(size))
            response = client.get(synthesis)
            assert response.status_code == 200, response.status_code
            html = response.content.decode()
            # Two rows per region (the area matrix and the perspective table) and the total.
            assert html.count('<tr data-region="') == 2 * size, size
            assert f">{size * INTERVENTIONS}</a></td>" in html, size
            if os.environ.get("BENCH_PROFILE") and size == SIZES[-1]:
                profile(client, synthesis)
            results[size] = {
                "synthesis": measure(client, synthesis),
                "board": measure(client, board),
            }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(TMP, ignore_errors=True)

    print(f"Synthesis page vs staff board ({connection.vendor}, median of {REPEAT}):")
    for size in SIZES:
        (s_time, s_queries), (b_time, b_queries) = (
            results[size]["synthesis"],
            results[size]["board"],
        )
        print(
            f"  {size:>3} regions x {INTERVENTIONS} interventions:"
            f" synthesis {s_time * 1000:7.1f} ms"
            f" ({s_queries} queries), board {b_time * 1000:7.1f} ms ({b_queries} queries),"
            f" ratio {s_time / b_time:4.1f}"
        )
    small, large = results[SIZES[0]]["synthesis"], results[SIZES[-1]]["synthesis"]
    print(f"  synthesis {SIZES[-1]}/{SIZES[0]} regions: {large[0] / small[0]:.1f}x the time")
    failed = 0
    if large[0] >= GOAL_SECONDS:
        print(
            f"MISSED: the synthesis page at {SIZES[-1]} regions takes {large[0]:.2f} s (goal < 1 s)"
        )
        failed = 1
    if large[1] != small[1]:
        print(f"MISSED: the synthesis page's queries grow: {small[1]} -> {large[1]}")
        failed = 1
    if not failed:
        print("All goals met.")
    return failed


if __name__ == "__main__":
    sys.exit(main())
