"""Hostile or broken input gets a Swedish answer with a way back, never a 500."""

import threading
import time
from urllib.parse import urlencode

import pytest
import time_machine
from django.conf import settings
from django.db import connections, transaction
from django.test import Client
from django.urls import reverse

from inventories.forms import BUDGET_MAX_ROWS
from inventories.models import CurrentState
from inventories.models.inventory import LONG_TEXT_MAX, SHORT_TEXT_MAX
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.pages import IN_ROUND, inventory_url, part1_post

pytestmark = pytest.mark.django_db

#: A four-byte character: 12 bytes once percent-encoded, the most any character takes.
WIDE = "\U0001f331"


@pytest.fixture
def signed_in(client, contact):
    client.force_login(contact)
    return client


def assert_swedish_page_with_a_way_back(response, status, heading):
    html = response.content.decode()
    assert response.status_code == status
    assert '<html lang="sv">' in html
    assert f"<h1>{heading}</h1>" in html
    assert f'href="{reverse("home")}"' in html


def test_the_largest_legal_del_1_is_accepted(signed_in, region, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=contact)
        data = part1_post(
            revision=inventory.current_state.revision,
            texts={name: WIDE * LONG_TEXT_MAX for name in CurrentState.TEXT_FIELDS},
            lines=[(WIDE * SHORT_TEXT_MAX, "0")] * BUDGET_MAX_ROWS,
            blank_rows=0,
        )
        body = urlencode(data, doseq=True).encode()
        # The limit leaves a margin of at least a third over the largest legal form.
        assert len(body) * 1.5 < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        response = signed_in.post(
            inventory_url("part1", region), body, content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    inventory.current_state.refresh_from_db()
    assert inventory.current_state.context == WIDE * LONG_TEXT_MAX


def test_a_body_over_the_limit_gets_the_swedish_413_page(signed_in, region, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        open_inventory(round=round_2019(), region=region, user=contact)
        body = b"context=" + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
        response = signed_in.post(
            inventory_url("part1", region), body, content_type="application/x-www-form-urlencoded"
        )
    assert_swedish_page_with_a_way_back(response, 413, "Det som skickades var för stort")


def test_too_many_fields_get_the_swedish_413_page(client):
    body = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.post(reverse("login"), body, content_type="application/x-www-form-urlencoded")
    assert_swedish_page_with_a_way_back(response, 413, "Det som skickades var för stort")


def test_a_bad_request_gets_the_swedish_400_page(client):
    response = client.get(reverse("accessibility"), HTTP_HOST="angripare.example")
    assert_swedish_page_with_a_way_back(response, 400, "Begäran gick inte att läsa")


def test_a_form_without_its_csrf_token_gets_the_swedish_403_page(contact):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": contact.email, "password": "x"})
    assert_swedish_page_with_a_way_back(response, 403, "Åtkomst nekad")
    assert "ladda om sidan" in response.content.decode()


def test_a_refused_permission_gets_the_swedish_403_page(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("admin:admin_logentry_changelist"))
    assert_swedish_page_with_a_way_back(response, 403, "Åtkomst nekad")


def test_sqlite_takes_the_write_lock_when_a_transaction_begins(tmp_path, django_db_blocker):
    """Two transactions that read and then write at the same time: both finish, none fails.

    With SQLite's default (deferred) transactions the second one to write gets "database is
    locked" at once, without waiting: that was the 500 of two simultaneous submits.
    """
    alias = "concurrency"
    connections.settings[alias] = {
        **connections["default"].settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "concurrency.sqlite3"),
        "OPTIONS": dict(settings.SQLITE_OPTIONS),
        "TEST": {},
    }
    errors, done = [], []

    def writer(name, pause):
        try:
            with transaction.atomic(using=alias):
                cursor = connections[alias].cursor()
                cursor.execute("SELECT count(*) FROM submission")
                time.sleep(pause)
                cursor.execute("INSERT INTO submission (who) VALUES (%s)", [name])
            done.append(name)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(repr(exc))
        finally:
            connections[alias].close()

    try:
        with django_db_blocker.unblock():
            with connections[alias].cursor() as cursor:
                cursor.execute("CREATE TABLE submission (who text)")
            connections[alias].close()
            first = threading.Thread(target=writer, args=("first", 0.3))
            second = threading.Thread(target=writer, args=("second", 0))
            first.start()
            time.sleep(0.1)
            second.start()
            first.join(30)
            second.join(30)
    finally:
        del connections.settings[alias]
        try:
            del connections[alias]
        except AttributeError:
            pass
    assert errors == []
    assert sorted(done) == ["first", "second"]
