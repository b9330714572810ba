"""Only the Handläggare group reaches the staff area and the admin: a test over every URL."""

import pytest
from django.urls import URLPattern, reverse

from inventories.models import AuditEvent, Inventory, InventoryVersion, Round
from regions.models import ContactPerson
from regions.tests.factories import UserFactory
from staff import urls as staff_urls
from staff.models import SynthesisReport
from staff.tests.review_helpers import store_pdf, submitted_inventory

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(region, contact, staff_user):
    """A submitted inventory (version 1 with its PDF) and a rendered synthesis report, so every
    staff URL names real objects."""
    from staff.services import synthesis_report_render

    inventory, version = submitted_inventory(region=region, user=contact)
    store_pdf(version)
    report = SynthesisReport.objects.create(round=inventory.round, requested_by=staff_user)
    assert synthesis_report_render(report_id=report.pk).is_ready
    return {
        "round_slug": inventory.round.slug,
        "region_slug": region.slug,
        "number": version.number,
        "pk": ContactPerson.objects.get(user=contact).pk,
        "chart": "programar",
        "report_id": report.pk,
    }


def staff_area_urls(objects):
    """Every URL of ``staff.urls`` (read from its urlpatterns) plus /handlaggare/."""
    urls = [reverse("staff:home")]
    for pattern in staff_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        kwargs = {name: objects[name] for name in pattern.pattern.converters}
        urls.append(reverse(f"staff:{pattern.name}", kwargs=kwargs))
    return urls


def admin_urls(objects):
    inventory = Inventory.objects.get()
    return [
        reverse("admin:index"),
        reverse("admin:inventories_inventory_changelist"),
        reverse("admin:inventories_inventory_change", args=[inventory.pk]),
        reverse("admin:inventories_round_changelist"),
        reverse("admin:inventories_round_change", args=[Round.objects.get(slug="2019").pk]),
        reverse("admin:inventories_inventoryversion_changelist"),
        reverse(
            "admin:inventories_inventoryversion_change", args=[InventoryVersion.objects.get().pk]
        ),
        reverse("admin:inventories_auditevent_changelist"),
        reverse("admin:inventories_auditevent_change", args=[AuditEvent.objects.first().pk]),
    ]


def test_the_url_list_covers_every_staff_pattern(objects):
    urls = staff_area_urls(objects)
    assert len(urls) == len(staff_urls.urlpatterns) + 1 >= 15
    assert all(url.startswith("/handlaggare/") for url in urls)


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(client, objects, method):
    for url in staff_area_urls(objects):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url
    for url in admin_urls(objects):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


@pytest.mark.parametrize("who", ["contact", "outsider", "staff_flag_without_group"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_everyone_outside_the_group_gets_404_and_no_admin(
    client, objects, contact, outsider, who, method
):
    user = {
        "contact": contact,
        "outsider": outsider,
        # Django's is_staff alone is not enough: only the Handläggare group is staff here.
        "staff_flag_without_group": UserFactory(is_staff=True),
    }[who]
    client.force_login(user)
    for url in staff_area_urls(objects):
        response = getattr(client, method)(url)
        assert response.status_code == 404, url
    for url in admin_urls(objects):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    inventory = Inventory.objects.get()
    assert inventory.status == Inventory.Status.SUBMITTED  # no POST changed anything
    assert SynthesisReport.objects.count() == 1  # and ordered no report


def test_handlaggare_reach_every_staff_url_and_the_admin(client, objects, staff_user):
    client.force_login(staff_user)
    for url in staff_area_urls(objects):
        response = client.get(url)
        # 405: a POST-only action (a new invitation); everything else opens.
        assert response.status_code in (200, 302, 405), (url, response.status_code)
    for url in admin_urls(objects):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_signed_in_with_a_password_only_are_sent_to_the_second_factor(
    client, objects, staff_user, method
):
    client.force_login(staff_user, second_factor=False)
    verify = reverse("second_factor_verify")
    for url in staff_area_urls(objects):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{verify}?next="), url
    enrol = reverse("second_factor_enrol")  # the verify page sends one without an app to enrol
    for url in admin_urls(objects):
        response = getattr(client, method)(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(f"{enrol}?next="), url
