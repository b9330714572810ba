from datetime import timedelta

import pytest
from django.utils import timezone

from regions.models import Invitation, Region
from regions.tests.factories import ContactPersonFactory

pytestmark = pytest.mark.django_db

# The 21 regions of DOMAIN.md (county code, name), typed out here on purpose.
EXPECTED_REGIONS = [
    ("01", "Region Stockholm"),
    ("03", "Region Uppsala"),
    ("04", "Region Sörmland"),
    ("05", "Region Östergötland"),
    ("06", "Region Jönköpings län"),
    ("07", "Region Kronoberg"),
    ("08", "Region Kalmar län"),
    ("09", "Region Gotland"),
    ("10", "Region Blekinge"),
    ("12", "Region Skåne"),
    ("13", "Region Halland"),
    ("14", "Västra Götalandsregionen"),
    ("17", "Region Värmland"),
    ("18", "Region Örebro län"),
    ("19", "Region Västmanland"),
    ("20", "Region Dalarna"),
    ("21", "Region Gävleborg"),
    ("22", "Region Västernorrland"),
    ("23", "Region Jämtland Härjedalen"),
    ("24", "Region Västerbotten"),
    ("25", "Region Norrbotten"),
]


def test_region_table_holds_exactly_the_21_regions():
    assert list(Region.objects.order_by("code").values_list("code", "name")) == EXPECTED_REGIONS
    assert Region.objects.filter(active=True).count() == 21
    assert Region.objects.values("slug").distinct().count() == 21


def _invitation(**fields):
    now = timezone.now()
    defaults = {"contact_person": ContactPersonFactory(), "expires_at": now + timedelta(days=7)}
    return Invitation.objects.create(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("fields", "status", "usable"),
    [
        ({}, Invitation.Status.PENDING, True),
        ({"send_attempts": 2}, Invitation.Status.FAILED, True),
        ({"sent_at": timezone.now()}, Invitation.Status.SENT, True),
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, Invitation.Status.EXPIRED, False),
        ({"revoked_at": timezone.now()}, Invitation.Status.REVOKED, False),
        ({"used_at": timezone.now(), "sent_at": timezone.now()}, Invitation.Status.USED, False),
    ],
)
def test_invitation_status_as_staff_see_it(fields, status, usable):
    invitation = _invitation(**fields)
    assert invitation.status == status
    assert invitation.is_usable is usable


def test_each_invitation_gets_its_own_nonce():
    assert _invitation().nonce != _invitation().nonce
