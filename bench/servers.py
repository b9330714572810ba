"""What the load benches (pages, surge) share: loopback only, free ports, the PostgreSQL admin
connection that creates and drops their own database, and gunicorn started and awaited."""

import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ROOT = Path(__file__).resolve().parent.parent


def check_loopback(url: str, bench: str) -> None:
    """Exit unless ``url`` names this machine: a bench never loads or drops anything elsewhere."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        sys.exit(f"bench/{bench}.py runs on loopback addresses only, not {host!r} ({url})")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def admin_sql(admin_url: str, sql: str) -> None:
    """Run ``sql`` (CREATE/DROP DATABASE) outside a transaction on the server ``admin_url``."""
    import psycopg2

    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def start_gunicorn(
    *, app: str, workers: int, port: int, tmp: str, ready_path: str, extra=()
) -> subprocess.Popen:
    """gunicorn (sync workers) serving ``app`` on ``port``, once ``ready_path`` answers 200."""
    log_path = Path(tmp) / "gunicorn.log"
    log = open(log_path, "w")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--chdir", str(ROOT),
         "--workers", str(workers), "--worker-class", "sync", *extra,
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn stopped:\n" + log_path.read_text())
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", ready_path)
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer within 60 s")


def machine() -> str:
    """The core count and CPU model, for the bench's report."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}"
