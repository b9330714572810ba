"""Sessions slide: a session ends SESSION_COOKIE_AGE after the last request at the earliest, and
is written to the database only when that is due, not on every request."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2031, 3, 3, 9, 0, tzinfo=datetime.UTC)
AGE = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
MARGIN = datetime.timedelta(seconds=settings.SESSION_REFRESH_MARGIN)


def _start(region):
    return reverse("inventories:start", args=[region.slug])


def _signed_in(client, region) -> bool:
    response = client.get(_start(region))
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith("UPDATE")
    ]


def test_a_session_is_not_written_on_every_request(client, contact, region):
    client.force_login(contact)
    client.get(_start(region))  # the first request after sign-in sets the end
    with CaptureQueriesContext(connection) as queries:
        assert _signed_in(client, region)
    assert _session_writes(queries) == []


def test_the_session_slides_while_used_and_ends_after_the_age_of_inactivity(
    client, contact, region
):
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(contact)
        assert _signed_in(client, region)
        # A request every 25 minutes for five hours: never signed out.
        for _ in range(12):
            clock.shift(datetime.timedelta(minutes=25))
            assert _signed_in(client, region)
        last = datetime.datetime.now(datetime.UTC)
        clock.move_to(last + AGE - datetime.timedelta(seconds=1))
        assert _signed_in(client, region), "ended sooner than the age after the last request"
        clock.move_to(last + AGE - datetime.timedelta(seconds=1) + AGE + MARGIN)
        assert not _signed_in(client, region), "still signed in after the age and the margin"


def test_the_page_tells_the_warning_dialog_the_true_time_left(client, contact, region):
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(contact)
        client.get(_start(region))
        clock.shift(datetime.timedelta(minutes=5))
        html = client.get(_start(region)).content.decode()
    seconds = int(re.search(r'data-session-seconds="(\d+)"', html).group(1))
    assert AGE.total_seconds() <= seconds <= (AGE + MARGIN).total_seconds() - 5 * 60


def test_extending_the_session_renews_it_at_once(client, contact, region):
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(contact)
        client.get(_start(region))
        clock.shift(MARGIN * 0.9)
        response = client.post(reverse("session_extend"))
        assert response.json()["expires_in"] == (AGE + MARGIN).total_seconds()
        clock.shift(AGE + MARGIN - datetime.timedelta(seconds=1))
        assert _signed_in(client, region)
