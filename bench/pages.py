#!/usr/bin/env python
"""Benchmark the portal's pages against a bare Django view on the same stack, in the same run.

    .venv/bin/python bench/pages.py            # or: make bench
    .venv/bin/python bench/pages.py --only "Del 1 GET,review"   # a subset of the pages

What it does, all on loopback addresses:

1. Creates a throwaway PostgreSQL database with a unique name (``portal_bench_pages_<pid>_<hex>``)
   on the server of ``BENCH_POSTGRES_URL`` (default ``postgres://postgres@127.0.0.1:5432/postgres``),
   migrates it, collects the static files into a temporary folder and seeds a round that is open
   now: the 21 regions with inventories of realistic size (30 interventions and 15 goals with long
   Swedish texts; some submitted, some returned, two never opened), one region with 300
   interventions, a handläggare with a confirmed authenticator app. Only this run creates and
   drops that database.
2. Starts gunicorn (``--workers 2``, sync) with the production settings
   (``portal.settings.production``; Redis db 13 of ``BENCH_REDIS_URL`` as broker and cache,
   ``SECURE_SSL_REDIRECT=False`` because wrk speaks plain HTTP) serving ``bench/wsgi.py``: the
   portal's application plus a bare Django view at ``/bench/bare/`` that is not in the portal's
   URLs but passes through the same settings and middleware.
3. Signs in through session cookies made in-process (the SessionStore with the auth keys and, for
   the handläggare, the second factor's device key) and counts each page's SQL queries in-process
   through Django's test client (``CaptureQueriesContext``).
4. Runs ``wrk`` (installed with apt-get if missing) against every page, each right after a run
   against the bare view (the ratio of a page is to the bare run next to it, as the load of the
   shared machine drifts during the run): GET pages with ``-t2 -c20``, the Del 1 save (POST)
   with one connection per thread on eight regions (each thread follows its inventory's
   revision, so every POST is a real save), Del 2 with 300 interventions with one connection (the
   time per request).

Prints req/s, p95, the ratio to the bare view and the queries of each page, and exits 1 if a
goal of issue 17 is missed (2 if a page answered with an unexpected status). The machine is
shared and noisy: the ratios measured in the same run are what counts.
"""

import datetime
import http.client
import json
import os
import secrets
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from servers import admin_sql, check_loopback, free_port, machine, start_gunicorn  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
DB_NAME = f"portal_bench_pages_{os.getpid()}_{secrets.token_hex(4)}"
DURATION = os.environ.get("BENCH_DURATION", "5s")
WORKERS = 2
GET_LOAD = ("-t2", "-c20")
POSTERS = 8

# Goals of issue 17 (ratios to the bare view in the same run; Del 2 with 300 interventions).
CONTACT_GOAL = 0.06
STAFF_GOAL = 0.05
BIG_PART2_MS = 40.0

PARAGRAPH = (
    "Region {name} har under de senaste åren arbetat för att stärka näringslivets omställning "
    "till en hållbar ekonomi. Små och medelstora företag på landsbygden och i de mindre "
    "tätorterna möter särskilda utmaningar: långa avstånd till högskolor och forskningsmiljöer, "
    "svårigheter att rekrytera kompetens och begränsad tillgång till riskkapital. Samtidigt "
    "växer efterfrågan på fossilfria lösningar, och flera företag i länet har utvecklat "
    "produkter som redan säljs på en internationell marknad. Insatserna ska därför bygga vidare "
    "på befintliga styrkeområden, öka samverkan mellan kommuner, lärosäten och näringsliv och "
    "säkerställa att kvinnor och män, unga och äldre samt personer med utländsk bakgrund får del "
    "av resurserna på lika villkor. Uppföljningen sker årligen tillsammans med länsstyrelsen."
)


check_loopback(ADMIN_URL, "pages")
check_loopback(REDIS_URL, "pages")
TMP = tempfile.mkdtemp(prefix="pages-bench-")
PORT = free_port()
DATABASE_URL = urllib.parse.urlunsplit(
    urllib.parse.urlsplit(ADMIN_URL)._replace(path="/" + DB_NAME)
)
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        "SECURE_SSL_REDIRECT": "False",
        "PORTAL_VAR_DIR": TMP,
        "MEDIA_ROOT": str(Path(TMP) / "media"),
        "SITE_URL": f"http://127.0.0.1:{PORT}",
    }
)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("wrk is missing: apt-get install wrk", flush=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


# --- data ---------------------------------------------------------------------------------------


def lengthen_texts(inventory, region) -> None:
    """Long Swedish paragraphs in every text, as real inventories have."""
    from inventories.models import CurrentState, Goal, Intervention, TargetState

    text = PARAGRAPH.format(name=region.name)
    CurrentState.objects.filter(inventory=inventory).update(
        **{name: text for name in CurrentState.TEXT_FIELDS}
    )
    TargetState.objects.filter(inventory=inventory).update(
        **{name: text for name in TargetState.TEXT_FIELDS}
    )
    Intervention.objects.filter(inventory=inventory).update(
        description=text, perspective_gender=text[:400], actors=text[:200]
    )
    Goal.objects.filter(inventory=inventory).update(indicator=text[:200])


def seed():
    """The round, the 21 regions' inventories, the handläggare; returns what the pages need."""
    from unittest import mock

    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from inventories.models import Inventory, Round
    from inventories.services import (
        inventory_return_for_completion,
        inventory_submit,
    )
    from inventories.tests.factories import RoundFactory, open_inventory
    from regions.models import Region
    from regions.tests.factories import ContactPersonFactory, StaffUserFactory

    now = timezone.now()
    Round.objects.update(active=False)
    round_ = RoundFactory(
        name="Benchomgång",
        slug="bench",
        opens_at=now - datetime.timedelta(days=30),
        deadline=now + datetime.timedelta(days=60),
        start_capital=10_000_000,
    )
    staff = StaffUserFactory(full_name="Hanna Handläggare")
    device = TOTPDevice.objects.create(user=staff, name="Benchapp", confirmed=True)
    regions = list(Region.objects.order_by("code"))
    home = next(r for r in regions if r.code == "12")
    big = next(r for r in regions if r.code == "01")
    others = [r for r in regions if r not in (home, big)]
    posters, rest = others[:POSTERS], others[POSTERS:]
    contacts = {}
    # No task leaves this process while seeding: nothing consumes the bench's queue.
    with mock.patch("portal.queue.enqueue", return_value=True):
        for region in regions:
            contacts[region.pk] = ContactPersonFactory(
                region=region, user__full_name=f"Kontakt {region.name}"
            ).user
        for n, region in enumerate([home, *posters, *rest]):
            if region in rest[-2:]:
                continue  # never opened
            user = contacts[region.pk]
            inventory = open_inventory(
                round=round_, region=region, user=user, interventions=30, goals=15
            )
            lengthen_texts(inventory, region)
            if region is home or (region in rest and n % 2 == 0):
                inventory_submit(inventory=inventory, user=user)
        inventory = open_inventory(
            round=round_, region=big, user=contacts[big.pk], interventions=300, goals=15
        )
        lengthen_texts(inventory, big)
        # Skåne: submitted, returned, changed, submitted again (a diff), returned again (editable).
        home_inventory = Inventory.objects.get(round=round_, region=home)
        inventory_return_for_completion(
            inventory=home_inventory, actor=staff, message="Komplettera budgeten, tack."
        )
        state = home_inventory.current_state
        state.context = state.context + " Tillägg efter återsändningen: fler kommuner deltar."
        state.revision += 1
        state.save()
        inventory_submit(inventory=home_inventory, user=contacts[home.pk])
        inventory_return_for_completion(
            inventory=home_inventory, actor=staff, message="Ett förtydligande till, tack."
        )
    return {
        "round": round_,
        "home": home,
        "big": big,
        "posters": posters,
        "contacts": contacts,
        "staff": staff,
        "device": device,
    }


def session_key(user, device=None) -> str:
    """A signed-in session as the sign-in (and, for staff, the second factor) leaves it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "portal.auth.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if device is not None:
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.save()
    assert store.session_key
    return store.session_key


def part1_data(inventory) -> dict:
    """Del 1 as the browser posts it: the texts and the budget lines as they are, saved again."""
    from inventories.tests.pages import part1_post

    state = inventory.current_state
    return part1_post(
        revision=state.revision,
        texts={name: getattr(state, name) for name in state.TEXT_FIELDS},
        lines=[
            (line.description, str(line.amount))
            for line in inventory.budget_lines.order_by("position")
        ],
    )


# --- pages --------------------------------------------------------------------------------------


class Page:
    def __init__(self, label, path, *, cookie="", goal=None, kind="get", expect=200, **extra):
        self.label, self.path, self.cookie, self.goal = label, path, cookie, goal
        self.kind, self.expect, self.extra = kind, expect, extra
        self.queries = None
        self.result: dict = {}
        self.bare = 0.0


def pages(data) -> list[Page]:
    from django.conf import settings
    from django.urls import reverse

    from inventories.models import Inventory

    round_, home, big = data["round"], data["home"], data["big"]
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    contact = (
        f"{settings.SESSION_COOKIE_NAME}={session_key(data['contacts'][home.pk])}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf}"
    )
    staff = (
        f"{settings.SESSION_COOKIE_NAME}={session_key(data['staff'], data['device'])}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf}"
    )
    big_cookie = f"{settings.SESSION_COOKIE_NAME}={session_key(data['contacts'][big.pk])}"
    ids = {"region_slug": home.slug, "round_slug": round_.slug}
    home_inventory = Inventory.objects.get(round=round_, region=home)
    versions = home_inventory.versions.count()
    posters = []
    for region in data["posters"]:
        inventory = Inventory.objects.get(round=round_, region=region)
        body = part1_data(inventory)
        revision = body.pop("revision")
        body["csrfmiddlewaretoken"] = csrf
        posters.append(
            {
                "path": reverse("inventories:part1", kwargs={**ids, "region_slug": region.slug}),
                "cookie": (
                    f"{settings.SESSION_COOKIE_NAME}="
                    f"{session_key(data['contacts'][region.pk])}; "
                    f"{settings.CSRF_COOKIE_NAME}={csrf}"
                ),
                "revision": int(revision),
                "body": urllib.parse.urlencode(body, doseq=True),
            }
        )
    staff_ids = {"round_slug": round_.slug, "region_slug": home.slug}
    return [
        Page("bare Django view", "/bench/bare/", kind="bare"),
        Page("sign-in page", reverse("login")),
        Page("contact start page", reverse("inventories:start", args=[home.slug]),
             cookie=contact, goal=CONTACT_GOAL),
        Page("Del 1 GET", reverse("inventories:part1", kwargs=ids), cookie=contact,
             goal=CONTACT_GOAL),
        Page("Del 2 GET", reverse("inventories:part2", kwargs=ids), cookie=contact,
             goal=CONTACT_GOAL),
        Page("Del 3 GET", reverse("inventories:part3", kwargs=ids), cookie=contact,
             goal=CONTACT_GOAL),
        Page("review", reverse("inventories:review", kwargs=ids), cookie=contact,
             goal=CONTACT_GOAL),
        Page("receipt", reverse("inventories:receipt", kwargs={**ids, "number": versions}),
             cookie=contact, goal=CONTACT_GOAL),
        Page("Del 1 POST (save)", posters[0]["path"], cookie=posters[0]["cookie"],
             goal=CONTACT_GOAL, kind="post", expect=302, posters=posters),
        Page("staff board", reverse("staff:board", args=[round_.slug]), cookie=staff,
             goal=STAFF_GOAL),
        Page("staff inventory view", reverse("staff:inventory", kwargs=staff_ids),
             cookie=staff, goal=STAFF_GOAL),
        Page("version diff", reverse("staff:version", kwargs={**staff_ids, "number": versions}),
             cookie=staff, goal=STAFF_GOAL),
        Page("Del 2, 300 interventions", reverse(
            "inventories:part2", kwargs={"region_slug": big.slug, "round_slug": round_.slug}),
             cookie=big_cookie, kind="single"),
    ]  # fmt: skip


def count_queries(page: Page) -> None:
    """The page's SQL queries, counted in-process through the test client (second request)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_COOKIE=page.cookie) if page.cookie else None
    client = client or Client(HTTP_HOST="127.0.0.1")
    if page.kind == "post":
        poster = page.extra["posters"][0]
        body = dict(urllib.parse.parse_qsl(poster["body"], keep_blank_values=True))
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.post(page.path, {**body, "revision": str(poster["revision"])})
            if response.status_code == 302:
                poster["revision"] += 1
    else:
        client.get(page.path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path)
    if response.status_code != page.expect:
        sys.exit(f"{page.label}: {page.path} answered {response.status_code} in-process")
    page.queries = len(queries.captured_queries)


def check_served(page: Page) -> None:
    """One request through gunicorn: the status a browser would get."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Cookie": page.cookie} if page.cookie else {}
    conn.request("GET", page.path, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    expect = 200 if page.kind == "post" else page.expect
    if response.status != expect:
        sys.exit(f"{page.label}: {page.path} answered {response.status} through gunicorn")


LUA_COMMON = """
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("n", counter)
  table.insert(threads, thread)
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("bad") end
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency.mean, bad,
    e.connect + e.read + e.write + e.timeout))
end
"""

LUA_GET = """
bad = 0
wrk.headers["Cookie"] = %(cookie)s
function response(status, headers, body)
  if status ~= %(expect)d then bad = bad + 1 end
end
"""

LUA_POST = """
local posters = %(posters)s
function init(args)
  bad = 0
  me = posters[n]
  revision = me.revision
end
function request()
  return wrk.format("POST", me.path, {
    ["Cookie"] = me.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, me.body .. "&revision=" .. revision)
end
function response(status, headers, body)
  if status == 302 then revision = revision + 1 else bad = bad + 1 end
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a valid Lua string literal


def _lua_posters(posters) -> str:
    rows = [
        f"{{path={_lua_string(p['path'])}, cookie={_lua_string(p['cookie'])}, "
        f"revision={p['revision']}, body={_lua_string(p['body'])}}}"
        for p in posters
    ]
    return "{" + ", ".join(rows) + "}"


def run_wrk(wrk: str, page: Page, duration: str) -> dict:
    if page.kind == "post":
        script = LUA_POST % {"posters": _lua_posters(page.extra["posters"])}
        load = (f"-t{POSTERS}", f"-c{POSTERS}")
    else:
        script = LUA_GET % {"cookie": _lua_string(page.cookie), "expect": page.expect}
        load = ("-t1", "-c1") if page.kind == "single" else GET_LOAD
    path = Path(TMP) / "page.lua"
    path.write_text(LUA_COMMON + script, encoding="ascii")
    out = subprocess.run(
        [wrk, *load, f"-d{duration}", "--timeout", "30s", "--latency", "-s", str(path),
         f"http://127.0.0.1:{PORT}{page.path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    requests, duration_us, p50, p95, mean, bad, errors = line.split()[1:]
    return {
        "rps": int(requests) / (int(duration_us) / 1e6),
        "p50": int(p50) / 1000,
        "p95": int(p95) / 1000,
        "mean": float(mean) / 1000,
        "bad": int(bad),
        "errors": int(errors),
        "requests": int(requests),
    }


def resync_posters(page: Page) -> None:
    """After a run the threads' revisions are gone: read each inventory's revision again, once
    the server has finished the saves still in flight when wrk stopped (stable for 2 s)."""
    from django.db import connections

    from inventories.models import CurrentState

    def revisions():
        found = dict(
            CurrentState.objects.filter(inventory__round__slug="bench").values_list(
                "inventory__region__slug", "revision"
            )
        )
        connections.close_all()
        return found

    before = revisions()
    for _ in range(30):
        time.sleep(2)
        now = revisions()
        if now == before:
            break
        before = now
    for poster in page.extra["posters"]:
        poster["revision"] = before[poster["path"].split("/")[2]]


def report(results: list[Page]) -> int:
    print()
    print(f"{'page':<26} {'req/s':>8} {'p95 ms':>8} {'÷ bare':>7} {'queries':>7}  goal")
    failed = False
    for page in results:
        r = page.result
        ratio = r["rps"] / page.bare
        goal = ""
        if page.goal is not None:
            ok = ratio >= page.goal
            goal = f"≥ {page.goal:.2f}× bare: {'met' if ok else 'MISSED'}"
            failed |= not ok
        elif page.kind == "single":
            ok = r["mean"] < BIG_PART2_MS
            goal = f"{r['mean']:.1f} ms per request (< {BIG_PART2_MS:.0f} ms): " + (
                "met" if ok else "MISSED"
            )
            failed |= not ok
        queries = "" if page.queries is None else str(page.queries)
        print(f"{page.label:<26} {r['rps']:8.1f} {r['p95']:8.1f} {ratio:7.3f} {queries:>7}  {goal}")
    sign_in = results[1].result["rps"] / results[1].bare
    print(
        f"\nbare view: median of the {len(results) - 1} runs next to the pages (the ratios use the "
        f"run right before each page); sign-in page ÷ bare: {sign_in:.3f}, so the contact pages' "
        f"goal ({CONTACT_GOAL}× bare) is {sign_in / CONTACT_GOAL:.1f}× the sign-in page's cost"
    )
    unexpected = [p for p in results if p.result["bad"]]
    errors = sum(p.result["errors"] for p in results)
    for page in unexpected:
        print(f"{page.label}: {page.result['bad']} responses with another status than expected")
    print(f"socket errors (connect/read/write/timeout) over all runs: {errors}")
    if unexpected:
        return 2
    return 1 if failed else 0


def selected(results: list[Page], only: str | None) -> list[Page]:
    """The bare view, the sign-in page (the yardstick) and the pages named in ``only`` (labels,
    comma-separated, case-insensitive); every page without ``only``."""
    if not only:
        return results
    names = {name.strip().lower() for name in only.split(",") if name.strip()}
    unknown = names - {page.label.lower() for page in results}
    if unknown:
        sys.exit(f"--only: no page named {', '.join(sorted(unknown))}")
    return results[:2] + [page for page in results[2:] if page.label.lower() in names]


def main() -> int:
    only = None
    if sys.argv[1:2] == ["--only"] and len(sys.argv) == 3:
        only = sys.argv[2]
    elif sys.argv[1:]:
        sys.exit("usage: bench/pages.py [--only 'PAGE[,PAGE]']")
    wrk = ensure_wrk()
    admin_sql(ADMIN_URL, f'CREATE DATABASE "{DB_NAME}"')
    server = None
    try:
        import django

        django.setup()
        import logging

        from django.core.management import call_command
        from django.db import connections

        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        data = seed()
        results = selected(pages(data), only)
        for page in results[1:]:
            count_queries(page)
        connections.close_all()
        print(
            f"pages bench: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
            f"{machine()}, database {DB_NAME}, set-up {time.monotonic() - started:.0f} s; "
            f"gunicorn --workers {WORKERS} sync, wrk {' '.join(GET_LOAD)} -d{DURATION} "
            f"(POST: -t{POSTERS} -c{POSTERS} on {POSTERS} inventories; 300 interventions: "
            "-t1 -c1)",
            flush=True,
        )
        server = start_gunicorn(
            app="bench.wsgi:application",
            workers=WORKERS,
            port=PORT,
            tmp=TMP,
            ready_path="/bench/bare/",
            extra=(),
        )
        bare, bare_runs = results[0], []
        check_served(bare)
        run_wrk(wrk, bare, "1s")  # warm both workers
        for page in results[1:]:
            check_served(page)
            if page.kind == "post":
                resync_posters(page)
            run_wrk(wrk, page, "1s")  # warm both workers
            if page.kind == "post":
                resync_posters(page)
            # The bare view right before each page: the machine is shared and its load drifts,
            # so each page is divided by the bare view measured next to it.
            page.bare = run_wrk(wrk, bare, DURATION)["rps"]
            bare_runs.append(page.bare)
            page.result = run_wrk(wrk, page, DURATION)
            print(
                f"  {page.label}: {page.result['rps']:.1f} req/s, p95 {page.result['p95']:.1f} ms"
                f" (bare view just before: {page.bare:.1f} req/s)",
                flush=True,
            )
        bare.result = run_wrk(wrk, bare, DURATION)
        bare.result["rps"] = statistics.median(bare_runs)
        bare.bare = bare.result["rps"]
        print(f"load average: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
        return report(results)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not be set up yet
            pass
        admin_sql(ADMIN_URL, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
