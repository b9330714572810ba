"""'Glömt lösenordet?' and 'Ny länk': quiet (queued, same answer, same time) and rate limited."""

import statistics
import time
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from regions.tasks import account_access_request_send

pytestmark = pytest.mark.django_db

PAGES = ["password_reset", "regions:invitation_request"]
CLIENT = "192.0.2.44"


class SlowEmailBackend(EmailBackend):
    """The in-memory outbox behind an SMTP server that takes 0.15 s per message."""

    def send_messages(self, messages):
        time.sleep(0.15)
        return super().send_messages(messages)


def ask(client, page, email, address=CLIENT):
    return client.post(reverse(page), {"email": email}, REMOTE_ADDR=address)


@pytest.fixture
def queued():
    """Record the tasks queued instead of running them (as with a real broker)."""
    with mock.patch.object(account_access_request_send, "apply_async") as apply_async:
        yield apply_async


@pytest.mark.parametrize("page", PAGES)
def test_known_and_unknown_addresses_take_the_same_time(
    client, contact, settings, page, queued, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "portal.tests.test_access_requests.SlowEmailBackend"
    settings.RATELIMIT_ENABLE = False  # the worst case: every request queues its e-mail
    timings = {"known": [], "unknown": []}
    for n in range(20):
        for kind, email in (("known", contact.email), ("unknown", f"okand{n}@example.se")):
            with django_capture_on_commit_callbacks(execute=True):
                start = time.perf_counter()
                response = ask(client, page, email)
                timings[kind].append(time.perf_counter() - start)
            assert response.status_code == 302
            assert response.url == reverse("password_reset_done")

    known, unknown = (statistics.median(timings[k]) for k in ("known", "unknown"))
    # Sending inside the request would add the SMTP server's 0.15 s to every known address.
    assert abs(known - unknown) < 0.05, (known, unknown)
    assert mail.outbox == []
    assert queued.call_count == 40  # both kinds queue the same task: the worker decides


@pytest.mark.parametrize("page", PAGES)
def test_the_task_sends_the_link_to_a_known_address(
    client, contact, page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, page, contact.email)
        ask(client, page, "okand@example.se")
    assert [m.to for m in mail.outbox] == [[contact.email]]


@pytest.mark.parametrize("page", PAGES)
def test_one_address_gets_at_most_three_links_an_hour(
    client, contact, page, django_capture_on_commit_callbacks
):
    responses = []
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(6):
            spelling = contact.email.upper() if n % 2 else contact.email
            responses.append(ask(client, page, spelling, address=f"192.0.2.{n + 1}"))
    assert {(r.status_code, r.url) for r in responses} == {(302, reverse("password_reset_done"))}
    assert len(mail.outbox) == 3


def test_the_limit_covers_both_pages_and_lifts_after_an_hour(
    client, contact, django_capture_on_commit_callbacks
):
    start = time.time()
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        for page in PAGES + PAGES:
            ask(client, page, contact.email)
    assert len(mail.outbox) == 3
    with time_machine.travel(start + 3601, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            ask(client, "password_reset", contact.email)
    assert len(mail.outbox) == 4


def test_one_client_address_may_ask_twenty_times_an_hour(
    client, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        responses = [ask(client, "password_reset", f"person{n}@example.se") for n in range(25)]
        other_client = ask(client, "password_reset", "person0@example.se", address="198.51.100.9")
    assert {r.status_code for r in responses} == {302}
    assert other_client.status_code == 302
    assert queued.call_count == 21  # twenty from the first client, one from the other


def test_the_refusal_looks_like_any_answer(client, contact):
    first = [ask(client, "password_reset", contact.email) for _ in range(3)]
    refused = ask(client, "password_reset", contact.email)
    assert refused.status_code == first[0].status_code == 302
    assert refused.url == first[0].url
    page = client.get(refused.url)
    assert page.status_code == 200


@pytest.mark.broker
def test_a_real_worker_sends_the_reset_link_that_the_page_queued(
    celery_worker, smtp_sink, transactional_db, client, contact
):
    for email in (contact.email.upper(), "okand@example.se"):
        response = ask(client, "password_reset", email)
        assert response.url == reverse("password_reset_done")

    [received] = smtp_sink.wait_for(1)
    assert received["to"] == [contact.email]
    assert "/konto/losenord/aterstall/" in received["message"].get_body(("plain",)).get_content()
    assert len(smtp_sink.wait_for(2, timeout=1)) == 1  # nothing for the unknown address
