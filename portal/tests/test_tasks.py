import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse

from portal.tasks import sign_in_failures_purge

pytestmark = pytest.mark.django_db


def test_failed_sign_ins_are_forgotten_after_30_days(client, contact):
    start = datetime.datetime(2019, 11, 1, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        client.post(reverse("login"), {"username": contact.email, "password": "fel"})
    assert AccessAttempt.objects.count() == 1
    with time_machine.travel(start + datetime.timedelta(days=29), tick=False):
        assert sign_in_failures_purge() == 0
    with time_machine.travel(start + datetime.timedelta(days=31), tick=False):
        assert sign_in_failures_purge() == 1
    assert AccessAttempt.objects.count() == 0
