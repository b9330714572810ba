#!/usr/bin/env python
"""Benchmark a surge: many contact persons saving and submitting within a few minutes, then the
PDFs of record drained by Celery workers.

    .venv/bin/python bench/surge.py                     # 1,000 contact persons in 5 minutes
    .venv/bin/python bench/surge.py --users 50 --window 30   # a quick run

A later round with all municipalities (issue 17, goal 5), all on loopback addresses:

1. Creates a throwaway PostgreSQL database with a unique name (``portal_bench_surge_<pid>_<hex>``)
   on the server of ``BENCH_POSTGRES_URL`` (default ``postgres://postgres@127.0.0.1:5432/postgres``)
   and takes a Redis database of its own on ``BENCH_REDIS_URL`` (default
   ``redis://127.0.0.1:6379``): the first of dbs 15, 14, 12, 11 and 10 that is empty, claimed with
   a key set only if absent, and emptied at the end (``BENCH_SURGE_REDIS_DB`` names one instead).
   Only this run creates and drops that database and empties that Redis db.
2. Seeds an open round with ``--users`` organisations (municipalities), each with one contact
   person and a complete draft inventory of realistic size (three interventions with their
   amounts per year, two goals, budget lines, long Swedish texts in Del 1 and Del 3).
3. Starts gunicorn (``--workers 3`` sync, as in the README's production set-up) with the
   production settings (``portal.settings.production``; that Redis db as broker and cache, e-mail
   over SMTP to an aiosmtpd server in this process, ``SECURE_SSL_REDIRECT=False`` for plain HTTP).
4. Drives the surge from threads (one HTTP connection per contact person): the contact persons
   arrive evenly over the first 90 % of ``--window`` seconds and each, without pause, opens the
   start page, opens Del 1, saves Del 1 (a changed text, the budget lines), opens the review page,
   submits and opens the receipt. ``--sign-ins`` of them (spread over the surge) sign in with
   e-mail address and password first (the password hash, Argon2, is deliberately slow); the
   others carry a session made in-process, as ``bench/pages.py`` does, so that the surge measures
   the portal rather than 1,000 password hashes.
5. No Celery worker runs during the surge: the submissions queue their PDF tasks in Redis. Then
   ``--celery-workers`` workers (``celery -A portal worker --concurrency 1`` each) start and the
   time until every PDF of record is stored, and until every receipt has reached the SMTP server,
   is reported.

Goals (issue 17, goal 5): 0 errors (every request answered with the expected status, every
inventory submitted once), p95 of all requests < 500 ms, everything done within ``--window``.
Exits 1 when a goal is missed. The machine is shared: the load average is printed.
"""

import argparse
import concurrent.futures
import datetime
import http.client
import http.cookies
import os
import re
import secrets
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from servers import admin_sql, check_loopback, free_port, start_gunicorn  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
REDIS_CANDIDATES = (15, 14, 12, 11, 10)  # 13 is bench/pages.py's
REDIS_CLAIM = "bench-surge-claim"
DB_NAME = f"portal_bench_surge_{os.getpid()}_{secrets.token_hex(4)}"
P95_GOAL_MS = 500.0
WEB_WORKERS = 3

PARAGRAPH = (
    "{name} har under de senaste åren arbetat för att stärka näringslivets omställning till en "
    "hållbar ekonomi. Små och medelstora företag i kommunens mindre tätorter möter särskilda "
    "utmaningar: långa avstånd till högskolor, svårigheter att rekrytera kompetens och begränsad "
    "tillgång till riskkapital. Samtidigt växer efterfrågan på fossilfria lösningar. Insatserna "
    "ska öka samverkan mellan kommunen, lärosätena och näringslivet och säkerställa att kvinnor "
    "och män, unga och äldre samt personer med utländsk bakgrund får del av resurserna på lika "
    "villkor. Uppföljningen sker årligen tillsammans med regionen och länsstyrelsen."
)


def claim_redis_db() -> tuple[str, int, str]:
    """A Redis db of this run's own: empty, and claimed with a key set only if absent."""
    import redis

    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    forced = os.environ.get("BENCH_SURGE_REDIS_DB")
    for db in (int(forced),) if forced else REDIS_CANDIDATES:
        client = redis.Redis.from_url(f"{REDIS_BASE}/{db}")
        if client.dbsize() == 0 and client.set(REDIS_CLAIM, token, nx=True, ex=24 * 3600):
            return f"{REDIS_BASE}/{db}", db, token
    sys.exit(f"no empty Redis db among {REDIS_CANDIDATES} on {REDIS_BASE}")


def release_redis_db(url: str, token: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    if client.get(REDIS_CLAIM) == token.encode():
        client.flushdb()


check_loopback(ADMIN_URL, "surge")
check_loopback(REDIS_BASE, "surge")
TMP = tempfile.mkdtemp(prefix="surge-bench-")
PORT = free_port()
SMTP_PORT = free_port()
DATABASE_URL = urllib.parse.urlunsplit(
    urllib.parse.urlsplit(ADMIN_URL)._replace(path="/" + DB_NAME)
)
REDIS_URL, REDIS_DB, REDIS_TOKEN = claim_redis_db()
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
        "EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
        "LOG_LEVEL": "WARNING",
    }
)


class SmtpSink:
    """An SMTP server (aiosmtpd) in this process that counts the messages it accepts."""

    def __init__(self, port):
        from aiosmtpd.controller import Controller

        self.messages = 0
        self._lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with sink._lock:
                    sink.messages += 1
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


# --- data ---------------------------------------------------------------------------------------


def _codes():
    alphabet = string.ascii_uppercase + string.digits
    for a in alphabet:
        for b in alphabet:
            if not (a.isdigit() and b.isdigit()):  # the counties' codes stay free
                yield a + b


def _copy(obj, **changes):
    """A new, unsaved row with ``obj``'s values (but not its primary key) and ``changes``."""
    model = type(obj)
    values = {
        f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if not f.primary_key
    }
    values.update(changes)
    return model(**values)


def clone_inventory(template, inventories) -> None:
    """Give each of ``inventories`` the parts of ``template`` (in a fixed number of queries)."""
    from inventories.models import (
        BudgetLine,
        CurrentState,
        Goal,
        Intervention,
        InterventionYear,
        TargetState,
    )

    for model in (CurrentState, TargetState):
        part = model.objects.get(inventory=template)
        model.objects.bulk_create(
            [_copy(part, inventory_id=inv.pk) for inv in inventories], batch_size=500
        )
    lines = list(BudgetLine.objects.filter(inventory=template))
    BudgetLine.objects.bulk_create(
        [_copy(line, inventory_id=inv.pk) for inv in inventories for line in lines],
        batch_size=1000,
    )
    items = list(Intervention.objects.filter(inventory=template).order_by("position", "id"))
    years = list(InterventionYear.objects.filter(intervention__in=items))
    goals = list(Goal.objects.filter(inventory=template).order_by("position", "id"))
    links = list(
        Goal.interventions.through.objects.filter(goal__in=goals).values_list(
            "goal_id", "intervention_id"
        )
    )
    new_items = Intervention.objects.bulk_create(
        [_copy(item, inventory_id=inv.pk) for inv in inventories for item in items],
        batch_size=1000,
    )
    new_goals = Goal.objects.bulk_create(
        [_copy(goal, inventory_id=inv.pk) for inv in inventories for goal in goals],
        batch_size=1000,
    )
    item_map, goal_map = {}, {}
    for n, inv in enumerate(inventories):
        for k, item in enumerate(items):
            item_map[inv.pk, item.pk] = new_items[n * len(items) + k].pk
        for k, goal in enumerate(goals):
            goal_map[inv.pk, goal.pk] = new_goals[n * len(goals) + k].pk
    InterventionYear.objects.bulk_create(
        [
            _copy(year, intervention_id=item_map[inv.pk, year.intervention_id])
            for inv in inventories
            for year in years
        ],
        batch_size=2000,
    )
    Goal.interventions.through.objects.bulk_create(
        [
            Goal.interventions.through(
                goal_id=goal_map[inv.pk, goal_id], intervention_id=item_map[inv.pk, item_id]
            )
            for inv in inventories
            for goal_id, item_id in links
        ],
        batch_size=2000,
    )


def seed(users: int, sign_ins: int):
    """The round, ``users`` organisations with a contact person and a complete draft each."""
    from unittest import mock

    from django.utils import timezone

    from inventories.models import CurrentState, Intervention, Inventory, Round, TargetState
    from inventories.tests.factories import RoundFactory, open_inventory
    from portal.models import User
    from regions.models import ContactPerson, Region

    now = timezone.now()
    Round.objects.update(active=False)
    round_ = RoundFactory(
        name="Kommunernas behovsinventering 2031",
        slug="kommuner-2031",
        opens_at=now - datetime.timedelta(days=30),
        deadline=now + datetime.timedelta(days=30),
        start_capital=1_000_000,
    )
    Region.objects.update(active=False)  # the counties are not in this round's surge
    codes = _codes()
    orgs = Region.objects.bulk_create(
        Region(
            code=next(codes),
            name=f"Benchkommun {n:04d}",
            county_name="Benchlän",
            slug=f"benchkommun-{n:04d}",
        )
        for n in range(users)
    )
    people = User.objects.bulk_create(
        User(
            email=f"kontakt{n:04d}@kommun.bench.example",
            full_name=f"Kontakt {n:04d} Åström",
            password="!unusable",
        )
        for n in range(users)
    )
    ContactPerson.objects.bulk_create(
        ContactPerson(user=user, region=org, role=ContactPerson.Role.MAIN)
        for user, org in zip(people, orgs, strict=True)
    )
    password = secrets.token_urlsafe(16)
    signing_in = set(range(0, users, max(1, users // sign_ins))[:sign_ins]) if sign_ins else set()
    for n in signing_in:
        people[n].set_password(password)
        people[n].save(update_fields=["password"])
    with mock.patch("portal.queue.enqueue", return_value=True):
        template = open_inventory(
            round=round_, region=orgs[0], user=people[0], interventions=3, goals=2
        )
    text = PARAGRAPH.format(name=orgs[0].name)
    for model in (CurrentState, TargetState):
        model.objects.filter(inventory=template).update(
            **{name: f"{text}\n\n{text}" for name in model.TEXT_FIELDS}
        )
    Intervention.objects.filter(inventory=template).update(
        description=text, perspective_gender=text[:300], actors=text[:150]
    )
    inventories = Inventory.objects.bulk_create(
        Inventory(round=round_, region=org, created_by=user)
        for org, user in zip(orgs[1:], people[1:], strict=True)
    )
    clone_inventory(template, inventories)
    return round_, orgs, people, signing_in, password


def session_key(user) -> str:
    """A signed-in session as the sign-in leaves it (made in-process, as bench/pages.py does)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "portal.auth.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    assert store.session_key
    return store.session_key


# --- the journeys -------------------------------------------------------------------------------

REVISION = re.compile(r'name="revision" value="(\d+)"')


class Journey:
    """One contact person's visit: requests over one connection, with its own cookies."""

    def __init__(self, n, plan, results):
        self.n, self.plan, self.results = n, plan, results
        self.cookies = {plan["csrf_cookie"]: plan["csrf"]}
        if plan.get("session"):
            self.cookies[plan["session_cookie"]] = plan["session"]
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)

    def request(self, label, method, path, *, expect, body=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(body, doseq=True)
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except Exception as exc:  # noqa: BLE001 - counted as an error of the surge
            self.conn.close()
            self.results.append((label, None, (time.perf_counter() - started) * 1000, repr(exc)))
            raise
        elapsed = (time.perf_counter() - started) * 1000
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
        ok = response.status == expect
        self.results.append((label, response.status, elapsed, "" if ok else path))
        if not ok:
            raise RuntimeError(f"{label}: {method} {path} answered {response.status}")
        return response, content.decode("utf-8", "replace")

    def run(self):
        plan, csrf = self.plan, self.plan["csrf"]
        try:
            if not plan.get("session"):
                self.request("sign-in page", "GET", plan["login"], expect=200)
                self.request(
                    "sign-in POST",
                    "POST",
                    plan["login"],
                    expect=302,
                    body={
                        "username": plan["email"],
                        "password": plan["password"],
                        "csrfmiddlewaretoken": self.cookies.get(plan["csrf_cookie"], csrf),
                    },
                )
            csrf = self.cookies.get(plan["csrf_cookie"], csrf)
            self.request("start page", "GET", plan["start"], expect=200)
            _response, html = self.request("Del 1 GET", "GET", plan["part1"], expect=200)
            match = REVISION.search(html)
            body = {**plan["part1_body"], "csrfmiddlewaretoken": csrf}
            body["revision"] = match.group(1) if match else "0"
            self.request("Del 1 POST (save)", "POST", plan["part1"], expect=302, body=body)
            self.request("review", "GET", plan["review"], expect=200)
            response, _html = self.request(
                "submit POST",
                "POST",
                plan["submit"],
                expect=302,
                body={"confirm": "on", "csrfmiddlewaretoken": csrf},
            )
            receipt = urllib.parse.urlsplit(response.getheader("Location", "")).path
            self.request("receipt", "GET", receipt or plan["review"], expect=200)
            return True
        except Exception:  # noqa: BLE001 - recorded in the results
            return False
        finally:
            self.conn.close()


def plans(round_, orgs, people, signing_in, password) -> list[dict]:
    from django.conf import settings
    from django.urls import reverse

    from inventories.models import BudgetLine, CurrentState
    from inventories.tests.pages import part1_post

    states = {
        s.inventory.region_id: s
        for s in CurrentState.objects.filter(inventory__round=round_).select_related("inventory")
    }
    lines = {}
    for line in BudgetLine.objects.filter(inventory__round=round_).select_related("inventory"):
        lines.setdefault(line.inventory.region_id, []).append(line)
    login = reverse("login")
    result = []
    for n, (org, user) in enumerate(zip(orgs, people, strict=True)):
        ids = {"region_slug": org.slug, "round_slug": round_.slug}
        state = states[org.pk]
        texts = {name: getattr(state, name) for name in state.TEXT_FIELDS}
        texts["context"] += f" Sparat i rusningen av kontaktperson {n}."
        body = part1_post(
            revision=state.revision,
            texts=texts,
            lines=[
                (line.description, str(line.amount))
                for line in sorted(lines[org.pk], key=lambda x: x.position)
            ],
        )
        csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        result.append(
            {
                "email": user.email,
                "password": password,
                "session": None if n in signing_in else session_key(user),
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
                "csrf": csrf,
                "login": login,
                "start": reverse("inventories:start", args=[org.slug]),
                "part1": reverse("inventories:part1", kwargs=ids),
                "review": reverse("inventories:review", kwargs=ids),
                "submit": reverse("inventories:submit", kwargs=ids),
                "part1_body": body,
            }
        )
    return result


def surge(plan_list, window: float):
    """Contact persons arrive evenly over 90 % of ``window``; returns results and timings."""
    results: list = []
    arrive_over = window * 0.9
    interval = arrive_over / max(len(plan_list) - 1, 1)
    started = time.monotonic()
    finished = []
    lock = threading.Lock()

    def visit(n):
        ok = Journey(n, plan_list[n], results).run()
        with lock:
            finished.append(time.monotonic() - started)
        return ok

    with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(plan_list), 200)) as pool:
        futures = []
        for n in range(len(plan_list)):
            delay = started + n * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(visit, n))
        completed = [f.result() for f in futures]
    return results, completed, time.monotonic() - started, max(finished, default=0.0)


# --- servers ------------------------------------------------------------------------------------


def start_workers(count: int) -> list[subprocess.Popen]:
    workers = []
    for n in range(count):
        log = open(Path(TMP) / f"celery-{n}.log", "w")  # noqa: SIM115 - lives with the worker
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "--concurrency",
                    "1",
                    "-n",
                    f"surge{n}-{os.getpid()}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
    return workers


def stop(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def drain(count: int, submitted: int, sink, timeout: float) -> dict:
    """Start the workers and wait until every PDF is stored and every receipt sent."""
    from django.db import connections

    from inventories.models import VersionDocument
    from portal.models import OutboxMessage

    started = time.monotonic()
    workers = start_workers(count)
    first = pdfs_at = receipts_at = None
    try:
        while time.monotonic() - started < timeout:
            ready = VersionDocument.objects.filter(status=VersionDocument.Status.READY).count()
            # A version's receipts are written to the outbox once its PDF is stored, and
            # ``receipt_sent_at`` is set when all of them are sent.
            unsent = VersionDocument.objects.filter(receipt_sent_at__isnull=True).count()
            pending_mail = OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).count()
            connections.close_all()
            elapsed = time.monotonic() - started
            if ready and first is None:
                first = elapsed
            if ready >= submitted and pdfs_at is None:
                pdfs_at = elapsed
            if pdfs_at is not None and not unsent and not pending_mail:
                receipts_at = elapsed
                break
            if any(w.poll() is not None for w in workers):
                break
            time.sleep(0.5)
    finally:
        stop(workers)
    return {
        "first": first,
        "pdfs": pdfs_at,
        "receipts": receipts_at,
        "ready": VersionDocument.objects.filter(status=VersionDocument.Status.READY).count(),
        "mail_rows": OutboxMessage.objects.count(),
        "mail_sent": OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count(),
        "received": sink.messages,
    }


# --- report -------------------------------------------------------------------------------------


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def load() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="contact persons (default 1000)")
    parser.add_argument("--window", type=float, default=300.0, help="seconds (default 300)")
    parser.add_argument("--sign-ins", type=int, default=None, help="how many sign in (5 %%)")
    parser.add_argument("--celery-workers", type=int, default=2)
    parser.add_argument("--drain-timeout", type=float, default=3600.0)
    args = parser.parse_args()
    sign_ins = args.sign_ins if args.sign_ins is not None else max(1, args.users // 20)
    sign_ins = min(sign_ins, args.users)

    admin_sql(ADMIN_URL, f'CREATE DATABASE "{DB_NAME}"')
    server = sink = None
    try:
        import logging

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from inventories.models import InventoryVersion

        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        set_up = time.monotonic()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        round_, orgs, people, signing_in, password = seed(args.users, sign_ins)
        plan_list = plans(round_, orgs, people, signing_in, password)
        connections.close_all()
        sink = SmtpSink(SMTP_PORT)
        server = start_gunicorn(
            app="portal.wsgi:application",
            workers=WEB_WORKERS,
            port=PORT,
            tmp=TMP,
            ready_path="/konto/logga-in/",
            extra=("--timeout", "120"),
        )
        print(
            f"surge bench: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
            f"{os.cpu_count()} cores, database {DB_NAME}, Redis db {REDIS_DB}, set-up "
            f"{time.monotonic() - set_up:.0f} s; gunicorn --workers {WEB_WORKERS} sync, "
            f"production settings; {args.users} contact persons arriving over "
            f"{args.window * 0.9:.0f} s ({len(signing_in)} sign in with their password), "
            f"each: start page, Del 1, save Del 1, review, submit, receipt",
            flush=True,
        )
        print(f"  load average before the surge: {load()}", flush=True)
        results, completed, wall, last = surge(plan_list, args.window)
        load_after = load()
        stop([server])
        server = None
        submitted = InventoryVersion.objects.filter(inventory__round=round_).count()
        connections.close_all()

        times = [ms for _label, status, ms, _e in results if status is not None]
        errors = [r for r in results if r[1] is None or r[3]]
        p95 = percentile(times, 95)
        print(
            f"  surge: {len(results)} requests in {wall:.1f} s ({len(results) / wall:.1f} req/s), "
            f"the last contact person done after {last:.1f} s; load average after: {load_after}"
        )
        print(f"  {'request':<20} {'count':>6} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
        labels = dict.fromkeys(label for label, *_rest in results)
        for label in labels:
            values = [ms for lab, status, ms, _e in results if lab == label and status]
            if values:
                print(
                    f"  {label:<20} {len(values):6d} {statistics.median(values):10.1f} "
                    f"{percentile(values, 95):8.1f} {max(values):8.1f}"
                )
        print(f"  {'all':<20} {len(times):6d} {statistics.median(times or [0]):10.1f} {p95:8.1f}")
        for label, status, _ms, what in errors[:10]:
            print(f"  error: {label}: {status} {what}")
        print(
            f"  journeys completed: {sum(completed)} of {args.users}; inventories submitted "
            f"(versions stored): {submitted}; errors: {len(errors)}"
        )

        drained = drain(args.celery_workers, submitted, sink, args.drain_timeout)

        def seconds(value):
            return "not reached" if value is None else f"{value:.1f} s"

        print(
            f"  PDFs of record: {drained['ready']} of {submitted} stored by "
            f"{args.celery_workers} Celery workers (concurrency 1 each) in "
            f"{seconds(drained['pdfs'])} from their start (first after "
            f"{seconds(drained['first'])}); receipts and staff notices: "
            f"{drained['mail_sent']} of {drained['mail_rows']} outbox rows sent, "
            f"{drained['received']} received by the SMTP server, all after "
            f"{seconds(drained['receipts'])}; load average: {load()}"
        )
        ok_errors = not errors and submitted == args.users and all(completed)
        ok_p95 = p95 < P95_GOAL_MS
        ok_window = last <= args.window
        print(
            f"goals: 0 errors: {'met' if ok_errors else 'MISSED'}; p95 {p95:.0f} ms < "
            f"{P95_GOAL_MS:.0f} ms: {'met' if ok_p95 else 'MISSED'}; all done within "
            f"{args.window:.0f} s: {'met' if ok_window else 'MISSED'}"
        )
        return 0 if ok_errors and ok_p95 and ok_window else 1
    finally:
        if server is not None:
            stop([server])
        if sink is not None:
            sink.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not be set up yet
            pass
        admin_sql(ADMIN_URL, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        release_redis_db(REDIS_URL, REDIS_TOKEN)
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
