"""The copy of record against real crashes: a worker process killed with SIGKILL mid-work."""

import datetime
import time
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from conftest import SmtpSink
from inventories.models import VersionDocument
from inventories.services import records
from inventories.tests.records_helpers import submit_inventory
from portal.models import OutboxMessage
from regions.tests.factories import ContactPersonFactory

pytestmark = [
    pytest.mark.broker,
    pytest.mark.postgres,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]


def wait_until(condition, timeout=60.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_while_sending_receipts_serves_each_recipient_exactly_once(
    postgres, worker_process, region, contact
):
    second = ContactPersonFactory(region=region, role="deputy", user__full_name="Bo Berg").user
    third = ContactPersonFactory(region=region, role="deputy", user__full_name="Cia Ek").user
    with mock.patch("portal.queue.enqueue", return_value=False):  # nothing runs inline here
        version = submit_inventory(region=region, user=contact)
    records.version_document_render(version_id=version.pk)  # the PDF is stored and committed
    # The SMTP server accepts one message, then stops answering in the middle of the second.
    sink = SmtpSink(stall_after=1).start()
    try:
        first_worker = worker_process(smtp_port=sink.port)
        first_worker.send("inventories.tasks.version_send_receipt", version.pk)
        assert sink.stalled.wait(60), first_worker.log()
        first_worker.kill()  # the machine is lost while the second receipt is on the wire
        assert len(sink.messages) == 1
        [served] = sink.messages[0]["to"]

        # Another worker starts; the beat sweeper finds the receipt that did not complete.
        sink.release()
        VersionDocument.objects.filter(version=version).update(
            rendered_at=timezone.now() - datetime.timedelta(minutes=10)
        )
        second_worker = worker_process(smtp_port=sink.port)
        second_worker.send("inventories.tasks.versions_sweep_missing_pdfs")
        wait_until(
            lambda: VersionDocument.objects.get(version=version).receipt_sent_at is not None,
            timeout=90,
            what="the receipt to complete\n" + second_worker.log(),
        )
        time.sleep(1)  # anything sent twice would arrive now
    finally:
        sink.stop()

    delivered = sorted(address for m in sink.messages for address in m["to"])
    assert delivered == sorted(
        [contact.email, second.email, third.email, settings.STAFF_MAILBOX]
    ), f"each recipient exactly once (first served: {served})"
    rows = OutboxMessage.objects.filter(group=records.version_receipt_group(version.pk))
    assert {row.status for row in rows} == {"sent"}
    assert {m["message"]["Message-ID"].strip() for m in sink.messages} == {
        r.message_id for r in rows
    }
