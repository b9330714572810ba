"""Helpers for the copy-of-record tests: a submitted version, reading PDFs back, a listener."""

import datetime
import http.server
import threading
from io import BytesIO
from zoneinfo import ZoneInfo

import time_machine
from pypdf import PdfReader

from inventories.services import inventory_submit
from inventories.tests.factories import open_inventory, round_2019

STOCKHOLM = ZoneInfo("Europe/Stockholm")
IN_ROUND = datetime.datetime(2019, 11, 15, 10, 0, tzinfo=STOCKHOLM)


def submit_inventory(*, region, user, moment=IN_ROUND, before_submit=None, **fill):
    """Open, fill and submit the region's 2019 inventory at ``moment``; return the version."""
    with time_machine.travel(moment, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=user, **fill)
        if before_submit is not None:
            before_submit(inventory)
        return inventory_submit(inventory=inventory, user=user)


def pdf_reader(content: bytes) -> PdfReader:
    return PdfReader(BytesIO(content))


def pdf_text(content: bytes) -> str:
    """All pages' text with whitespace (also no-break spaces) collapsed to single spaces."""
    reader = pdf_reader(content)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


class Listener:
    """A real HTTP server on 127.0.0.1 (ephemeral port) that records every request it gets."""

    def __init__(self):
        self.requests = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                listener.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            do_POST = do_HEAD = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
