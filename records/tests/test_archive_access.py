"""Only handläggare reach the archival packages: every role against every URL of records.urls."""

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, reverse
from django.utils import timezone

from inventories.tests.factories import round_2019
from records import urls as records_urls
from records.models import ArchivalPackage
from regions.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(staff_user):
    package = ArchivalPackage(
        round=round_2019(),
        requested_by=staff_user,
        status=ArchivalPackage.Status.READY,
        progress=100,
        sha256="0" * 64,
        size=10,
        finished_at=timezone.now(),
    )
    package.file.save("archive/2019/test.tar", ContentFile(b"0123456789"), save=False)
    package.save()
    return package


def records_urls_for(package):
    urls = []
    for pattern in records_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        values = {"round_slug": "2019", "pk": package.pk}
        kwargs = {name: values[name] for name in pattern.pattern.converters}
        urls.append(reverse(f"records:{pattern.name}", kwargs=kwargs))
    return urls


def test_the_list_covers_every_pattern(package):
    urls = records_urls_for(package)
    assert len(urls) == len(records_urls.urlpatterns) == 2
    assert all(url.startswith("/handlaggare/omgang/2019/arkivpaket/") for url in urls)


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(client, package, method):
    for url in records_urls_for(package):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url


@pytest.mark.parametrize("who", ["contact", "other_contact", "outsider", "staff_flag_only"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_contact_persons_and_others_get_404_and_start_nothing(
    client, package, contact, other_contact, outsider, who, method
):
    user = {
        "contact": contact,
        "other_contact": other_contact,
        "outsider": outsider,
        "staff_flag_only": UserFactory(is_staff=True),
    }[who]
    client.force_login(user)
    for url in records_urls_for(package):
        response = getattr(client, method)(url)
        assert response.status_code == 404, url
    assert ArchivalPackage.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_without_the_second_factor_are_sent_to_it(client, package, staff_user, method):
    client.force_login(staff_user, second_factor=False)
    verify = reverse("second_factor_verify")
    for url in records_urls_for(package):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{verify}?next="), url
    assert ArchivalPackage.objects.count() == 1


def test_handlaggare_reach_every_url(client, package, staff_user):
    client.force_login(staff_user)
    listing, download = records_urls_for(package)
    assert client.get(listing).status_code == 200
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"0123456789"
    # The download is GET only; an unknown package or round is 404.
    assert client.post(download).status_code == 405
    assert client.get(download.replace(f"/{package.pk}/", "/999999/")).status_code == 404
    assert client.get(listing.replace("/2019/", "/okand/")).status_code == 404


def test_the_services_refuse_everyone_but_staff(package, contact):
    from django.core.exceptions import PermissionDenied

    from records import archive

    with pytest.raises(PermissionDenied):
        archive.archival_package_request(round=package.round, user=contact)
    with pytest.raises(PermissionDenied):
        list(archive.archival_packages_of(round=package.round, user=contact))
    with pytest.raises(PermissionDenied):
        archive.archival_package_get(round=package.round, pk=package.pk, user=None)


def test_the_page_keeps_its_query_budget(
    client, package, staff_user, django_assert_max_num_queries
):
    for _ in range(5):
        ArchivalPackage.objects.create(
            round=package.round, requested_by=staff_user, status="failed", error="x"
        )
    client.force_login(staff_user)
    url = reverse("records:archival_packages", args=["2019"])
    client.get(url)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.content.decode().count("data-package=") == 6
