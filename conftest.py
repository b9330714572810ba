"""Shared fixtures: service gating, a real SMTP sink, a real Celery worker, users and regions.

Tests that need a service (PostgreSQL, Redis, Chromium) skip with a printed reason when it is not
configured. With REQUIRE_SERVICES=1 (CI) each such skip is a failure instead.
"""

import os
import shutil
import socket
import threading
from email import message_from_bytes, policy

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(available: bool, reason: str) -> None:
    """Skip (or fail under REQUIRE_SERVICES=1) when a service the test needs is missing."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def postgres():
    """The test needs the real PostgreSQL database (DATABASE_URL=postgres://...)."""
    need_service(
        connection.vendor == "postgresql",
        "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal",
    )


def _broker_url() -> str:
    return os.environ.get("CELERY_BROKER_URL", "")


@pytest.fixture
def broker_url():
    url = _broker_url()
    need_service(bool(url), "needs Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        need_service(False, f"Redis at {url} does not answer: {exc}")
    return url


@pytest.fixture
def celery_worker(broker_url, transactional_db, settings):
    """A real Celery worker (a thread in this process) consuming from the real Redis broker.

    Tasks are no longer run inline while it lives. Data must be committed for the worker to see
    it, hence ``transactional_db``.
    """
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    queue = f"test-{os.getpid()}-{threading.get_ident()}"
    old = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
        "task_default_queue": app.conf.task_default_queue,
        "broker_transport_options": app.conf.broker_transport_options,
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = broker_url
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    worker_timeouts(app)
    reset_broker_connections(app)
    try:
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=30,
            loglevel="WARNING",
            queues=[queue],
        ) as worker:
            yield worker
    finally:
        app.conf.update(old)
        reset_broker_connections(app)


def worker_timeouts(app) -> None:
    """What ``celery worker`` does at start (portal.celery): a worker's longer socket timeout.
    An in-process test worker is not started by ``celery worker``, so it is applied here."""
    from portal.celery import worker_broker_timeouts

    worker_broker_timeouts(conf=app.conf)


def reset_broker_connections(app) -> None:
    """Forget every pooled broker connection, so the next publish uses ``broker_url`` as it is now.

    Celery caches its connection and producer pools (even eager tasks acquire a producer) and its
    queues, and kombu keeps one pool per broker URL for the whole process. Only closing them
    (``force_close_all``) would leave closed pools behind that fail every later publish with
    "Acquire on closed pool".
    """
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    # The queues and routes are cached too: a worker fixture's own default queue would otherwise
    # stay the one every later publish goes to, where no later worker listens.
    for cached in ("queues", "default_queue", "router", "default_exchange"):
        app.amqp.__dict__.pop(cached, None)
    app.amqp._rtable = None


@pytest.fixture
def broken_broker(settings):
    """The Celery app publishes to a closed port: queueing any task fails, as with Redis down."""
    from portal.celery import app

    closed = "redis://127.0.0.1:1/0"
    old = {
        "broker_url": app.conf.get("broker_url"),
        "broker_write_url": app.conf.get("broker_write_url"),
        "task_always_eager": app.conf.task_always_eager,
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Celery prefers the CELERY_BROKER_URL environment variable to broker_url; publishing uses
    # broker_write_url first, so set that too.
    app.conf.broker_url = app.conf.broker_write_url = closed
    app.conf.task_always_eager = False
    reset_broker_connections(app)
    try:
        yield app
    finally:
        app.conf.update(old)
        reset_broker_connections(app)


#: The EICAR anti-virus test file: harmless, and every scanner must report it as malware.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class ClamdDaemon:
    """A real clamd on a private unix socket, with a local signature database.

    No signature download works on a test machine, so the database is one ``.hdb`` line (MD5,
    size and name of the EICAR test file): clamd really scans and really finds it. The daemon
    forks into the background (``Foreground no``) and is stopped through its pid file.
    """

    def __init__(self, directory):
        from pathlib import Path

        self.directory = Path(directory)
        self.socket = str(self.directory / "clamd.sock")
        self.pid_file = self.directory / "clamd.pid"
        self.log_file = self.directory / "clamd.log"

    def start(self, *, timeout=60.0):
        import hashlib
        import subprocess
        import time

        from portal import clamav

        database = self.directory / "db"
        database.mkdir(parents=True, exist_ok=True)
        (database / "eicar.hdb").write_text(
            f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Eicar-Test-Signature\n"  # noqa: S324
        )
        config = self.directory / "clamd.conf"
        config.write_text(
            "\n".join(
                [
                    f"DatabaseDirectory {database}",
                    f"LocalSocket {self.socket}",
                    f"PidFile {self.pid_file}",
                    f"LogFile {self.log_file}",
                    "Foreground no",
                    "StreamMaxLength 64M",
                    "",
                ]
            )
        )
        subprocess.run([shutil.which("clamd"), "-c", str(config)], check=True, timeout=timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if clamav.ping(socket_path=self.socket, timeout=2):
                return self
            time.sleep(0.05)
        raise RuntimeError(f"clamd did not answer on {self.socket}: {self.log()}")

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def stop(self):
        import signal

        if self.pid_file.exists():
            try:
                os.kill(int(self.pid_file.read_text().strip()), signal.SIGTERM)
            except (ValueError, ProcessLookupError):
                pass


@pytest.fixture(scope="session")
def clamd_daemon(tmp_path_factory):
    """One clamd for the whole run (it starts in well under a second with one signature)."""
    if shutil.which("clamd") is None:
        need_service(False, "needs ClamAV: apt-get install clamav clamav-daemon")
    daemon = ClamdDaemon(tmp_path_factory.mktemp("clamd"))
    try:
        daemon.start()
    except Exception as exc:  # noqa: BLE001 - reported as a missing service
        daemon.stop()
        need_service(False, f"clamd did not start: {exc}")
    yield daemon
    daemon.stop()


@pytest.fixture
def clamd(clamd_daemon, settings):
    """The portal scans with the real clamd of this run (``settings.CLAMD_SOCKET``)."""
    settings.CLAMD_SOCKET = clamd_daemon.socket
    return clamd_daemon


@pytest.fixture
def eicar():
    return EICAR


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free local port that keeps every message it receives.

    ``stall_after=n``: after accepting n messages the server stops answering (it takes the next
    message's data and never says "250 OK") until ``release()``; ``stalled`` is set when a
    client is held. A held message is not kept: it was never accepted. ``connections`` counts
    the SMTP sessions clients opened (each greets once with EHLO or HELO).
    """

    def __init__(self, *, stall_after=None):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.connections = 0
        self._lock = threading.Lock()
        self.stall_after = stall_after
        self.stalled = threading.Event()
        self._released = threading.Event()
        sink = self

        class Handler:
            async def handle_EHLO(self, server, session, envelope, hostname, responses):
                with sink._lock:
                    sink.connections += 1
                session.host_name = hostname
                return responses

            async def handle_HELO(self, server, session, envelope, hostname):
                with sink._lock:
                    sink.connections += 1
                session.host_name = hostname
                return f"250 {server.hostname}"

            async def handle_DATA(self, server, session, envelope):
                import asyncio

                with sink._lock:
                    accepted = len(sink.messages)
                if sink.stall_after is not None and accepted >= sink.stall_after:
                    if not sink._released.is_set():
                        sink.stalled.set()
                        while not sink._released.is_set():
                            await asyncio.sleep(0.05)
                        return "451 Try again later"
                msg = message_from_bytes(envelope.content, policy=policy.default)
                with sink._lock:
                    sink.messages.append(
                        {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": msg}
                    )
                return "250 OK"

        # aiosmtpd checks its own start by connecting to the configured port, so port=0 cannot
        # be used: take a free port from the OS first.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def release(self):
        """Stop stalling: from now on every message is accepted."""
        self.stall_after = None
        self._released.set()

    def stop(self):
        self._released.set()
        self.controller.stop()

    def wait_for(self, count, timeout=30.0, *, subject=None):
        """Wait until at least ``count`` messages have arrived (polling; returns the messages).

        With ``subject``, only messages whose subject contains it count and are returned (other
        e-mails, such as receipts sent by the same worker, may arrive in between).
        """
        import time

        def matching():
            with self._lock:
                return [
                    m
                    for m in self.messages
                    if subject is None or subject in m["message"]["Subject"]
                ]

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = matching()
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return matching()


@pytest.fixture
def smtp_sink(settings):
    """Send the portal's e-mail over real SMTP to an aiosmtpd sink for this test."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


class WorkerProcess:
    """A real Celery worker in its own process (``celery -A portal worker``), for crash tests.

    It uses the test database, this test's media folder and ``smtp_port``, consumes only its own
    queue (also the default queue of what it queues itself) on the Redis ``broker_url``, and can
    be killed with SIGKILL like a lost machine.
    """

    def __init__(self, *, broker_url, queue, smtp_port, media_root, log_path):
        self.broker_url = broker_url
        self.queue = queue
        self.smtp_port = smtp_port
        self.media_root = media_root
        self.log_path = log_path
        self.process = None

    def start(self):
        import subprocess
        import sys

        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.tests.worker_settings",
            "CELERY_BROKER_URL": self.broker_url,
            "WORKER_DATABASE_NAME": db["NAME"],
            "WORKER_QUEUE": self.queue,
            "WORKER_SMTP_PORT": str(self.smtp_port),
            "WORKER_MEDIA_ROOT": str(self.media_root),
        }
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=solo",
                f"--queues={self.queue}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def send(self, task_name, *args):
        """Publish ``task_name`` to this worker's queue (through a connection of its own)."""
        from kombu import Connection

        from portal.celery import app

        with Connection(self.broker_url, connect_timeout=5) as conn:
            app.send_task(task_name, args=args, queue=self.queue, connection=conn)

    def kill(self):
        import signal

        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except Exception:  # noqa: BLE001 - a worker that does not stop is killed
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()

    def log(self) -> str:
        from pathlib import Path

        return Path(self.log_path).read_text(errors="replace")


@pytest.fixture
def worker_process(broker_url, transactional_db, tmp_path, settings):
    """Start real worker processes with ``worker_process(smtp_port=...)``; all stop at the end."""
    started = []
    queue = f"test-proc-{os.getpid()}-{threading.get_ident()}"

    def start(*, smtp_port):
        worker = WorkerProcess(
            broker_url=broker_url,
            queue=queue,
            smtp_port=smtp_port,
            media_root=settings.MEDIA_ROOT,
            log_path=tmp_path / f"worker-{len(started)}.log",
        )
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()
    import redis

    redis.Redis.from_url(broker_url).delete(queue)


#: The data migrations that load reference data, in migration order (module, function). After a
#: flush they run again, all of them, so the data is what ``migrate`` left: the 21 regions, the
#: 2019 round with its milestones (0003), its funds, next steps and milestone dates (0007), its
#: registration prefix (0013), and a retention plan for every round (records 0002).
REFERENCE_DATA_MIGRATIONS = [
    ("regions.migrations.0002_load_regions", "load"),
    ("inventories.migrations.0003_round_2019_and_staff_group", "create_round"),
    ("inventories.migrations.0007_countable_needs", "round_2019_data"),
    (
        "inventories.migrations.0013_round_registration_sequence_and_inventory_number",
        "prefix_for_round_2019",
    ),
    ("records.migrations.0002_retention_plan", "plans_for_existing_rounds"),
]


def _reference_data_complete() -> bool:
    """Is what the data migrations load still there, up to the last step on each table?"""
    from django.contrib.auth.models import Group

    from inventories.models import Round
    from portal.models import STAFF_GROUP_NAME
    from regions.models import Region

    return (
        Region.objects.count() == 21
        and Round.objects.filter(
            slug="2019",
            registration_prefix="2019-",  # inventories 0013, the last data step on the round
            retention_plan__isnull=False,  # records 0002
        ).exists()
        and Group.objects.filter(name=STAFF_GROUP_NAME, permissions__isnull=False).exists()
    )


def ensure_reference_data():
    """Put back what the data migrations load (regions, the 2019 round and its data, the
    retention plans, the staff group).

    Transactional tests (live server, real worker) end with a flush that empties every table;
    the next test must still find what ``migrate`` left. Runs the migrations' own functions
    (``REFERENCE_DATA_MIGRATIONS``), all of them and in order whenever anything is missing;
    each may run again over data that is partly there (a database reused with ``--reuse-db``).
    """
    import importlib

    from django.apps import apps

    if _reference_data_complete():
        return
    for module, function in REFERENCE_DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
    from portal.staff_group import sync_staff_group

    sync_staff_group()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Every database test starts with the reference data of the migrations."""
    if "_django_db_helper" not in request.fixturenames:
        return
    request.getfixturevalue("_django_db_helper")
    ensure_reference_data()


class PortalClient(Client):
    """Django's test client; ``force_login`` stands for the whole sign-in of staff too.

    Staff confirm a sign-in with a second factor (TOTP). ``force_login`` gives a staff member a
    confirmed authenticator app if needed and marks the session as verified, as the real sign-in
    does; ``force_login(user, second_factor=False)`` stops after the password, so tests of the
    second factor see what an unverified session sees.
    """

    def force_login(self, user, backend=None, *, second_factor=True):
        super().force_login(user, backend)
        if second_factor and user.needs_second_factor:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="Testapp", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


@pytest.fixture
def client():
    return PortalClient()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with empty rate-limit counters (the local-memory cache)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test stores files (PDFs) in its own temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture
def region(db):
    from regions.models import Region

    return Region.objects.get(code="12")


@pytest.fixture
def other_region(db):
    from regions.models import Region

    return Region.objects.get(code="01")


@pytest.fixture
def contact(db, region):
    """An active main contact person of Region Skåne (a User with a ContactPerson)."""
    from regions.tests.factories import ContactPersonFactory

    return ContactPersonFactory(region=region).user


@pytest.fixture
def other_contact(db, other_region):
    from regions.tests.factories import ContactPersonFactory

    return ContactPersonFactory(region=other_region).user


@pytest.fixture
def staff_user(db):
    from regions.tests.factories import StaffUserFactory

    return StaffUserFactory()


@pytest.fixture
def staff_client(client, staff_user):
    """The test client signed in as ``staff_user`` (password only: no second factor)."""
    client.force_login(staff_user)
    return client


@pytest.fixture
def outsider(db):
    """A signed-up user who is neither staff nor a contact person."""
    from regions.tests.factories import UserFactory

    return UserFactory()


def pytest_report_header(config):
    db = os.environ.get("DATABASE_URL", "sqlite (default)")
    broker = _broker_url() or "none: tasks inline"
    return [
        f"portal: database={db.split('@')[-1]} broker={broker} "
        f"REQUIRE_SERVICES={'1' if REQUIRE_SERVICES else '0'} settings={settings.SETTINGS_MODULE}"
    ]
