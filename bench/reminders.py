#!/usr/bin/env python
"""Benchmark the reminder sweep: its decision for 1,000 and 10,000 open inventories, and the
whole sweep (plan and send) to a local SMTP server.

    .venv/bin/python bench/reminders.py                      # the goals (a few minutes)
    BENCH_SWEEP_ROWS=1000 .venv/bin/python bench/reminders.py  # a quick look (no goal verdict
                                                             # on the whole sweep)

Generates regions, contact persons, rounds and open inventories (draft or returned, each with
its Del 1 and Del 3 rows, as ``inventory_open`` creates them; half of them with Del 1 and Del 3
written in long Swedish paragraphs, every fourth with interventions and their amounts per year,
goals and budget lines) in a throwaway database: a temporary SQLite file, or, when
DATABASE_URL points at PostgreSQL, a database with a name unique to this run
(``portal_bench_reminders_<pid>_<hex>``) that only this run creates and drops. Then times
``reminders_plan_due``: the reads, the decision and the insert of the ledger rows.

Every generated round has a reminder step at 08:00 on the measured day (deadlines 1, 3, 7, 14
or 30 days ahead), so at 08:00 every one of the open inventories is due a reminder at once. Three
sweeps are measured for each size:

- peak: the ledger was up to date at 07:55; at 08:00 every region is due its next reminder;
- idle: 08:05, everything already recorded (what beat runs every five minutes);
- catch-up: an empty ledger at 08:00, as after beat was down for the whole round: each region's
  current step is recorded and every earlier step as a skipped row (the worst case).

Then the whole sweep that beat runs at the peak (plan, then send every due row), the ledger up
to date at 07:55 (everything before sent), with the e-mail going over SMTP (TCP on loopback) to
a minimal SMTP server (``SmtpSink``: asyncio, answers every command, counts messages and
connections, keeps nothing) that runs in a process of its own, as production's SMTP server is
another machine. It is timed twice in the same run:

- in this process: ``reminders_sweep`` without a dispatcher, every row in turn over one SMTP
  connection; its queries counted by a wrapper, its CPU time this process's;
- as beat runs it (PostgreSQL and Redis only): the sweep task is queued to one Celery worker
  with as many pool processes as the portal's worker starts by default
  (``CELERY_WORKER_CONCURRENCY``, twice the cores; ``BENCH_WORKER_PROCESSES`` sets another
  number) (``bench/reminders_worker.py``: the portal's tasks on this run's database, a Redis
  db and queue of its own); the task plans and queues the due rows in batches, the pool
  processes send them, each batch over one SMTP connection. Timed from queueing the sweep
  task to the last row sent; the workers add up their queries and CPU time per task in Redis.

By default at 10,000 open inventories, where the peak is 7,700 rows; ``BENCH_SWEEP_ROWS=1000``
measures it at 1,000 instead (770 rows) and only projects.

Goals: the peak decision for 10,000 under 2 s, the same number of queries for both sizes; the
whole sweep (the workers' where it ran) at most 3 queries per sent row (SQL statements; each
row's BEGIN and COMMIT are not counted), one SMTP connection per batch, and 7,700 sent rows in
under 30 s. Exits 1 when a goal is missed.
"""

import asyncio
import datetime
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="reminders-bench-")
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
os.environ.setdefault("PORTAL_VAR_DIR", TMP)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from throwaway import database_create  # noqa: E402

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime.datetime(2031, 3, 3, 8, 0, tzinfo=STOCKHOLM)
FIVE_MINUTES = datetime.timedelta(minutes=5)
DAYS_AHEAD = [1, 3, 7, 14, 30]
REGIONS = 100
PER_ROUND = REGIONS  # every active region takes part in every round: one inventory each


def generate_regions():
    from portal.models import User
    from regions.models import ContactPerson, Region

    existing = set(Region.objects.values_list("code", flat=True))
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    codes = (f"{a}{d}" for a in letters for d in "0123456789")
    new = []
    while Region.objects.count() + len(new) < REGIONS:
        code = next(codes)
        if code in existing:
            continue
        new.append(
            Region(
                code=code,
                name=f"Benchregion {code}",
                county_name=f"Benchlän {code}",
                slug=f"benchregion-{code.lower()}",
            )
        )
    Region.objects.bulk_create(new)
    regions = list(Region.objects.order_by("code"))
    users = User.objects.bulk_create(
        User(email=f"kontakt{i}.{r.code.lower()}@bench.example", full_name=f"Kontakt {i} {r.code}")
        for n, r in enumerate(regions)
        for i in range(2 if n % 10 == 0 else 1)
    )
    by_code = {}
    for user in users:
        by_code.setdefault(user.email.split("@")[0].split(".")[1].upper(), []).append(user)
    ContactPerson.objects.bulk_create(
        ContactPerson(user=user, region=r, role="main") for r in regions for user in by_code[r.code]
    )
    # Every fifth region has lost its contact person: the staff escalation lists them.
    ContactPerson.objects.filter(region__in=regions[::5]).update(active=False)
    return regions


def generate_rounds(regions, start, count):
    """``count`` rounds, each with an open inventory for every region; deadlines spread out."""
    from inventories.models import CurrentState, Inventory, Round, TargetState

    today = NOW.date()
    rounds = Round.objects.bulk_create(
        Round(
            name=f"Benchomgång {n}",
            slug=f"bench-{n}",
            opens_at=NOW - datetime.timedelta(days=90),
            deadline=datetime.datetime.combine(
                today + datetime.timedelta(days=DAYS_AHEAD[n % len(DAYS_AHEAD)]),
                datetime.time(23, 59, 59),
                tzinfo=STOCKHOLM,
            ),
            start_capital=100_000,
            period_start=datetime.date(2032, 1, 1),
            period_end=datetime.date(2034, 12, 31),
        )
        for n in range(start, start + count)
    )
    inventories = []
    for round_ in rounds:
        for k, region in enumerate(regions):
            returned = k % 10 == 3
            # Some regions have an extension of a week (a step at 08:00 today as well for most).
            override = round_.deadline + datetime.timedelta(days=7) if k % 20 == 7 else None
            inventories.append(
                Inventory(
                    round=round_,
                    region=region,
                    status=Inventory.Status.RETURNED if returned else Inventory.Status.DRAFT,
                    deadline_override=override,
                )
            )
    Inventory.objects.bulk_create(inventories, batch_size=2000)
    # As inventory_open does: every inventory has its Del 1 and Del 3 rows from the start; half
    # of them have been written in, every fourth has interventions, goals and a budget.
    CurrentState.objects.bulk_create(
        (
            CurrentState(inventory=inventory, **_texts(CurrentState, n))
            for n, inventory in enumerate(inventories)
        ),
        batch_size=1000,
    )
    TargetState.objects.bulk_create(
        (
            TargetState(inventory=inventory, **_texts(TargetState, n))
            for n, inventory in enumerate(inventories)
        ),
        batch_size=1000,
    )
    _parts(inventories[::4])


TEXT = (
    "Regionen har under de senaste åren stärkt näringslivets omställning till en hållbar "
    "ekonomi, med särskilt fokus på små och medelstora företag i länets mindre tätorter. "
    "Företagen möter långa avstånd till högskolor och forskningsmiljöer, svårigheter att "
    "rekrytera rätt kompetens och en begränsad tillgång till riskkapital i tidiga skeden. "
    "Kvinnor och män, unga och äldre samt personer med utländsk bakgrund ska få del av "
    "resurserna på lika villkor; uppföljningen redovisar utfallet uppdelat på dessa grupper."
)


def _texts(model, n) -> dict:
    """Every text of the part written (long Swedish paragraphs) for every other inventory; the
    last text left empty in some, so the reminder lists what is missing."""
    if n % 2:
        return {}
    fields = model.TEXT_FIELDS if n % 4 == 0 else model.TEXT_FIELDS[:-1]
    return {name: f"{TEXT}\n\n{TEXT}" for name in fields}


def _parts(inventories) -> None:
    from inventories.models import BudgetLine, Goal, Intervention, InterventionYear

    BudgetLine.objects.bulk_create(
        (
            BudgetLine(inventory=inventory, description=f"Processledning {k}", amount=25_000)
            for inventory in inventories
            for k in range(3)
        ),
        batch_size=2000,
    )
    interventions = Intervention.objects.bulk_create(
        (
            Intervention(
                inventory=inventory,
                title=f"Insats {k}: hållbar omställning i länets företag",
                description=TEXT,
                activity_areas=["research"],
                dimensions=["economic", "social"],
                perspective_gender=TEXT[:200],
                actors="Länets kommuner och lärosäten",
                position=k,
            )
            for inventory in inventories
            for k in range(5)
        ),
        batch_size=2000,
    )
    InterventionYear.objects.bulk_create(
        (
            InterventionYear(intervention=item, year=year, sought=100_000, own=50_000)
            for item in interventions
            for year in (2032, 2033)
        ),
        batch_size=2000,
    )
    Goal.objects.bulk_create(
        (
            Goal(inventory=inventory, goal=f"Mål {k}: fler företag ställer om", position=k)
            for inventory in inventories
            for k in range(2)
        ),
        batch_size=2000,
    )


def _timed(now):
    from reminders.services import reminders_plan_due

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started, cpu_started = time.perf_counter(), time.process_time()
        planned = reminders_plan_due(now=now)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    words = [q["sql"].lstrip().split(" ", 1)[0].upper() for q in queries.captured_queries]
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "queries": len(words),
        "selects": words.count("SELECT"),
        "inserts": words.count("INSERT"),
        "pending": planned.pending,
        "skipped": planned.skipped,
    }


def measure(label):
    from inventories.models import Inventory
    from reminders.models import Reminder
    from reminders.services import reminders_plan_due

    open_count = Inventory.objects.filter(status__in=["draft", "returned"]).count()
    assert open_count == int(label.replace(",", "")), open_count
    results = {}
    Reminder.objects.all().delete()
    reminders_plan_due(now=NOW - FIVE_MINUTES)  # the ledger as the 07:55 sweep left it
    results["peak"] = _timed(NOW)
    results["idle"] = _timed(NOW + FIVE_MINUTES)
    Reminder.objects.all().delete()
    results["catch-up"] = _timed(NOW)
    for phase, r in results.items():
        print(
            f"{label:>7} open inventories | {phase:<8} sweep: decision {r['seconds']:6.3f} s "
            f"(CPU {r['cpu']:.3f} s), "
            f"{r['queries']:3d} queries ({r['selects']} SELECT, {r['inserts']} INSERT), "
            f"new rows {r['pending']} pending + {r['skipped']} skipped"
        )
    return results


class _SmtpSession(asyncio.Protocol):
    """One SMTP session of the sink: the commands an SMTP client sends, answered as a real
    server answers them (RFC 5321: greeting, EHLO/HELO, MAIL, RCPT, DATA up to the lone ".",
    RSET, NOOP, QUIT); each message accepted with "250" is counted and then discarded."""

    def __init__(self, messages, connections):
        self.messages, self.connections = messages, connections
        self.buffer = b""
        self.in_data = False
        self.recipients = 0

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 127.0.0.1 ESMTP bench sink\r\n")

    def data_received(self, data):
        self.buffer += data
        while self.buffer and not self.transport.is_closing():
            if self.in_data:
                # The data ends with CRLF "." CRLF (the client doubles every line's leading dot).
                end = 0 if self.buffer.startswith(b".\r\n") else self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    return
                self.buffer = self.buffer[end + (3 if end == 0 else 5) :]
                self.in_data, self.recipients = False, 0
                with self.messages.get_lock():
                    self.messages.value += 1
                self.transport.write(b"250 OK\r\n")
                continue
            line, found, rest = self.buffer.partition(b"\r\n")
            if not found:
                return
            self.buffer = rest
            self.transport.write(self._reply(line[:4].upper()))

    def _reply(self, verb: bytes) -> bytes:
        if verb == b"EHLO":
            with self.connections.get_lock():
                self.connections.value += 1
            return b"250-127.0.0.1\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        if verb == b"HELO":
            with self.connections.get_lock():
                self.connections.value += 1
            return b"250 127.0.0.1\r\n"
        if verb == b"MAIL":
            self.recipients = 0
            return b"250 OK\r\n"
        if verb == b"RCPT":
            self.recipients += 1
            return b"250 OK\r\n"
        if verb == b"DATA":
            if not self.recipients:
                return b"503 Error: need RCPT command\r\n"
            self.in_data = True
            return b"354 End data with <CR><LF>.<CR><LF>\r\n"
        if verb in (b"RSET", b"NOOP"):
            self.recipients = 0 if verb == b"RSET" else self.recipients
            return b"250 OK\r\n"
        if verb == b"QUIT":
            self.transport.write(b"221 Bye\r\n")
            self.transport.close()
            return b""
        return b"502 Command not implemented\r\n"


def _sink_serve(port, messages, connections, cpu, stop):
    """The SMTP server's process: an asyncio SMTP server on ``port``, counting into shared
    values until ``stop`` is set."""

    async def serve():
        server = await asyncio.get_running_loop().create_server(
            lambda: _SmtpSession(messages, connections), "127.0.0.1", port
        )
        async with server:
            while not stop.is_set():
                await asyncio.sleep(0.1)

    asyncio.run(serve())
    cpu.value = time.process_time()


class SmtpSink:
    """An SMTP server on a free local port, in a process of its own (as production's SMTP server
    is another machine), that counts messages and connections.

    It stands for the agency's SMTP server, which the portal reaches over the network: it speaks
    SMTP over TCP to the portal's real SMTP client (Django's backend, smtplib) and answers every
    command, but it keeps nothing and parses no message; it only finds where each one ends and
    counts it when it says "250 OK". (The bench used aiosmtpd until 2 December 2026, which
    parses every message on its way: 1.2–1.3 ms of CPU per message, on the same two cores as
    the sweep it measures.)
    """

    def __init__(self):
        import multiprocessing

        context = multiprocessing.get_context("fork")  # the child runs the server only
        self._messages = context.Value("l", 0)
        self._connections = context.Value("l", 0)
        self._cpu = context.Value("d", 0.0)
        self._stop = context.Event()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = context.Process(
            target=_sink_serve,
            args=(self.port, self._messages, self._connections, self._cpu, self._stop),
            daemon=True,
        )
        self.process.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until it accepts connections
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        self._connections.value = 0  # the probe was no SMTP session; reset to be sure
        from django.conf import settings

        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", self.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

    @property
    def messages(self) -> int:
        return self._messages.value

    @property
    def connections(self) -> int:
        return self._connections.value

    def stop(self) -> float:
        """Stop the server; returns the CPU time its process used."""
        self._stop.set()
        self.process.join(timeout=30)
        return self._cpu.value


def _peak_ledger():
    """The ledger as the 07:55 sweep left it: everything due before 08:00 planned and sent."""
    from reminders.models import Reminder
    from reminders.services import reminders_plan_due

    Reminder.objects.all().delete()
    reminders_plan_due(now=NOW - FIVE_MINUTES)
    Reminder.objects.filter(status=Reminder.Status.PENDING).update(
        status=Reminder.Status.SENT, attempts=1, sent_at=NOW - FIVE_MINUTES
    )


def _sent_rows() -> int:
    from reminders.models import Reminder

    return Reminder.objects.filter(status=Reminder.Status.SENT).count()


def measure_sweep(label, sink):
    """The whole sweep at the 08:00 peak, in this process: plan, then send every due row over
    one SMTP connection (``reminders_sweep`` without a dispatcher, the rows in turn)."""
    from reminders.models import Reminder
    from reminders.services import reminders_sweep

    _peak_ledger()
    messages, connections = sink.messages, sink.connections
    count = [0]

    def counted(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    # Counted by a wrapper (SQL statements; BEGIN and COMMIT are not executed through it):
    # CaptureQueriesContext keeps only the last 9,000 queries.
    load = os.getloadavg()
    with connection.execute_wrapper(counted):
        started, cpu_started = time.perf_counter(), time.process_time()
        outcome = reminders_sweep(now=NOW)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rows = sum(v for k, v in outcome.items() if k not in ("planned", "superseded"))
    sent = sink.messages - messages
    result = {
        "seconds": elapsed,
        "cpu": cpu,
        "queries": count[0],
        "rows": rows,
        "sent_rows": outcome.get(Reminder.Status.SENT, 0),
        "sent": sent,
        "connections": sink.connections - connections,
        "batches": 1,
        "outcome": outcome,
        "load": load,
    }
    result["per_row"] = result["queries"] / max(rows, 1)
    result["rate"] = rows / elapsed if elapsed else 0.0
    outcomes = ", ".join(f"{k}: {v}" for k, v in outcome.items())
    print(
        f"{label:>7} open inventories | whole sweep at the peak, in one process (plan + send in "
        f"turn; the SMTP server in a process of its own): {elapsed:6.1f} s (this process's CPU "
        f"{cpu:.1f} s, {cpu / max(rows, 1) * 1000:.1f} ms per row; load {load[0]:.1f} at the "
        f"start), {rows} rows dealt with ({outcomes}), {sent} e-mails received by the sink "
        f"over {result['connections']} SMTP connection(s), {result['queries']} queries "
        f"({result['per_row']:.2f} per row), {result['rate']:.0f} rows/s"
    )
    return result


#: As the portal's worker runs by default (``CELERY_WORKER_CONCURRENCY``: twice the cores).
WORKER_PROCESSES = int(
    os.environ.get("BENCH_WORKER_PROCESSES") or settings.CELERY_WORKER_CONCURRENCY
)
REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
REDIS_CANDIDATES = (15, 14, 12, 11, 10)  # as bench/surge.py's; each claims an empty one
REDIS_CLAIM = "bench-reminders-claim"


def _claim_redis():
    """A Redis db of this run's own: empty, and claimed with a key set only if absent."""
    import redis

    token = f"{os.getpid()}-{os.urandom(4).hex()}"
    forced = os.environ.get("BENCH_REMINDERS_REDIS_DB")
    for db in (int(forced),) if forced else REDIS_CANDIDATES:
        client = redis.Redis.from_url(f"{REDIS_BASE}/{db}")
        if client.dbsize() == 0 and client.set(REDIS_CLAIM, token, nx=True, ex=24 * 3600):
            return client, f"{REDIS_BASE}/{db}", token
    return None, None, None


def measure_fan_out(label, sink, expected):
    """The whole sweep at the 08:00 peak as beat runs it in production: the sweep task plans and
    queues the due rows in batches; ``WORKER_PROCESSES`` worker processes (``celery -A
    reminders_worker worker -c N``, on this run's database and private Redis db) send them, each
    batch over one SMTP connection. Timed from queueing the sweep task to the last row sent."""
    import json
    import subprocess

    from reminders.models import Reminder
    from reminders.services.sending import BATCH_SIZE, RETRIED

    client, broker_url, token = _claim_redis()
    if client is None:
        print(f"whole sweep with workers: not measured (no empty Redis db in {REDIS_CANDIDATES})")
        return None
    queue = f"bench-reminders-{os.getpid()}"
    import urllib.parse

    database_url = urllib.parse.urlunsplit(
        urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(
            path="/" + connection.settings_dict["NAME"]
        )
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORTAL_VAR_DIR": TMP,
        "BENCH_BROKER_URL": broker_url,
        "BENCH_QUEUE": queue,
        "BENCH_SMTP_PORT": str(sink.port),
        # The portal first (bench/ has a reminders.py of its own), then reminders_worker.
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
    }
    env.pop("CELERY_BROKER_URL", None)
    log_path = Path(TMP) / "celery.log"
    _peak_ledger()
    sent_before = _sent_rows()
    connection.close()  # the workers fork from a clean slate; this process reconnects
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "reminders_worker", "worker",
         "--concurrency", str(WORKER_PROCESSES), "--queues", queue,
         "-n", f"bench-reminders-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        from kombu import Connection

        from portal.celery import app

        deadline = time.monotonic() + 60
        with Connection(broker_url, connect_timeout=5) as conn:
            while int(client.get("bench:ready") or 0) < WORKER_PROCESSES:  # the pool is up
                if worker.poll() is not None or time.monotonic() > deadline:
                    sys.exit("the Celery worker did not start:\n" + log_path.read_text())
                time.sleep(0.1)
            app.conf.task_always_eager = False  # this process only queues the sweep task
            messages, connections = sink.messages, sink.connections
            load = os.getloadavg()
            started = time.perf_counter()
            app.send_task(  # as beat does
                "reminders.tasks.reminders_sweep",
                kwargs={"now": NOW.isoformat()},
                queue=queue,
                connection=conn,
            )
            due = Reminder.objects.filter(status__in=RETRIED, next_attempt_at__lte=NOW)
            while True:
                planned = client.get("bench:sweep")
                if planned is not None and not due.exists():
                    break
                if worker.poll() is not None or time.perf_counter() - started > 600:
                    sys.exit("the sweep did not finish:\n" + log_path.read_text())
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            while int(client.get("bench:tasks") or 0) < 1 + json.loads(planned)["batches"]:
                time.sleep(0.05)  # the last batch's counts are written just after its commit
            cpu, queries = float(client.get("bench:cpu") or 0), int(client.get("bench:queries"))
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
        if client.get(REDIS_CLAIM) == token.encode():
            client.flushdb()
    sweep = json.loads(planned)
    result = {
        "seconds": elapsed,
        "cpu": cpu,
        "queries": queries,
        "rows": _sent_rows() - sent_before,
        "sent": sink.messages - messages,
        "connections": sink.connections - connections,
        "batches": sweep["batches"],
        "load": load,
    }
    result["sent_rows"] = result["rows"]
    result["per_row"] = result["queries"] / max(result["rows"], 1)
    result["rate"] = result["rows"] / elapsed if elapsed else 0.0
    print(
        f"{label:>7} open inventories | whole sweep at the peak, as beat runs it: the sweep task "
        f"planned {sweep['planned']} and queued {sweep['queued']} rows in {sweep['batches']} "
        f"batches of up to {BATCH_SIZE}; 1 Celery worker, {WORKER_PROCESSES} worker processes, "
        f"sent them: {elapsed:6.1f} s from queueing the sweep to the last row sent (the workers' "
        f"CPU {result['cpu']:.1f} s in all, {result['cpu'] / max(result['rows'], 1) * 1000:.1f} ms "
        f"per row; load {load[0]:.1f} at the start), {result['rows']} rows sent, "
        f"{result['sent']} e-mails received by the sink (in a process of its own) over "
        f"{result['connections']} SMTP connection(s), {result['queries']} queries "
        f"({result['per_row']:.2f} per row), {result['rate']:.0f} rows/s"
    )
    if result["rows"] != expected:
        print(f"  (expected {expected} rows, as the sweep in one process sent)")
    return result


def main():
    sweep_at = os.environ.get("BENCH_SWEEP_ROWS", "10000").replace(",", "").replace("_", "")
    sink = SmtpSink()  # before the database: its process holds no connection of ours
    old_name = database_create("reminders", TMP)
    failed = False
    try:
        from inventories.models import Round

        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        Round.objects.update(active=False)  # only the generated rounds
        regions = generate_regions()
        generate_rounds(regions, 0, 1_000 // PER_ROUND)
        small = measure("1,000")
        label = "1,000" if sweep_at == "1000" else "10,000"
        if label != "1,000":
            generate_rounds(regions, 1_000 // PER_ROUND, 9_000 // PER_ROUND)
            large = measure("10,000")
        else:
            large = None
        inline = measure_sweep(label, sink)
        fan_out = None
        if connection.vendor == "postgresql":
            fan_out = measure_fan_out(label, sink, inline["sent_rows"])
        else:
            print("whole sweep with workers: not measured (needs PostgreSQL and Redis)")
        if large is None:
            generate_rounds(regions, 1_000 // PER_ROUND, 9_000 // PER_ROUND)
            large = measure("10,000")
        print()
        print(
            f"peak sweep, 10,000 open inventories: {large['peak']['seconds']:.3f} s "
            f"(this process's CPU time {large['peak']['cpu']:.3f} s; goal < 2 s)"
        )
        print(f"load average while measuring: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
        for key, name in (("selects", "SELECT queries"), ("queries", "all queries")):
            print(
                f"{name}, 1,000 vs 10,000: "
                + ", ".join(f"{p} {small[p][key]} vs {large[p][key]}" for p in small)
            )
        sweep = fan_out or inline
        how = (
            f"as beat runs it, {WORKER_PROCESSES} worker processes" if fan_out else "in one process"
        )
        measured = sweep["sent_rows"] >= 7_700
        projected = 7_700 / sweep["rate"] if sweep["rate"] else float("inf")
        print(
            f"whole sweep ({how}): {sweep['per_row']:.2f} queries per row (goal <= 3), "
            f"{sweep['connections']} SMTP connection(s) for {sweep['sent']} e-mails in "
            f"{sweep['batches']} batch(es) (goal: one per batch), "
            f"{sweep['sent_rows']:,} rows sent in {sweep['seconds']:.1f} s = "
            f"{sweep['rate']:.0f} rows/s"
            + (
                f" (goal: 7,700 in < 30 s; load average {sweep['load'][0]:.1f} at its start)"
                if measured
                else f"; 7,700 rows at this rate: {projected:.0f} s (goal < 30 s, not measured)"
            )
        )
        failed = (
            large["peak"]["seconds"] >= 2
            or sweep["per_row"] > 3
            or sweep["connections"] != sweep["batches"]
            or sweep["sent"] != sweep["sent_rows"]
            or not measured
            or sweep["seconds"] >= 30
            or any(small[p]["selects"] != large[p]["selects"] for p in small)
        )
        if connection.vendor == "sqlite":
            print(
                "(SQLite: Django splits bulk_create into INSERTs of at most 999 parameters, so "
                "there the number of INSERT statements follows the number of new ledger rows; "
                "PostgreSQL inserts them in one statement.)"
            )
    finally:
        sink_cpu = sink.stop()
        print(f"the SMTP server's process used {sink_cpu:.1f} s of CPU in all")
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
