import pytest
from django.db import connection
from django.db.utils import ConnectionHandler
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_contact_person_is_sent_to_own_region(client, contact):
    client.force_login(contact)
    response = client.get(reverse("home"))
    assert response.url == reverse("inventories:start", args=["region-skane"])


def test_staff_are_sent_to_the_staff_area_and_reach_the_admin(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("home")).url == reverse("staff:home")
    assert client.get(reverse("staff:home"), follow=True).status_code == 200
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kontaktpersoner" in html
    assert "Inbjudningar" in html


def test_anonymous_visitors_are_asked_to_sign_in(client):
    for name in ("home", "staff:home"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("who", ["contact", "outsider"])
def test_only_staff_reach_the_admin_and_the_staff_area(client, who, request):
    client.force_login(request.getfixturevalue(who))

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/admin/"
    response = client.get(reverse("admin:regions_contactperson_changelist"))
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")

    response = client.get(reverse("staff:home"))
    assert response.status_code == 404
    assert "<h1>Sidan finns inte</h1>" in response.content.decode()


def test_a_signed_in_user_without_a_region_is_told_so(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "inte kopplat till någon region" in response.content.decode()


def test_healthz_reports_the_database_and_inline_tasks(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "inline"}


def _unreachable_database(tmp_path):
    """A database configured like the real one that cannot be reached."""
    if connection.vendor == "postgresql":
        return {**connection.settings_dict, "PORT": 1, "OPTIONS": {"connect_timeout": 2}}
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "no-such-folder" / "db.sqlite3"),
    }


def test_healthz_answers_503_when_the_database_is_unreachable(
    client, settings, monkeypatch, tmp_path
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    unreachable = ConnectionHandler({"default": _unreachable_database(tmp_path)})
    monkeypatch.setattr("portal.views.connections", unreachable)
    try:
        response = client.get("/healthz")
    finally:
        unreachable.close_all()
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "OperationalError",
        "broker": "inline",
    }


def test_healthz_reports_a_broker_that_is_down(client, settings, broken_broker):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("down (")


@pytest.mark.broker
def test_healthz_reports_a_working_broker(client, settings, broker_url):
    # broker_url comes from CELERY_BROKER_URL, which Celery itself prefers to its configuration.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = broker_url
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.broker
def test_healthz_reuses_its_broker_connection(client, settings, broker_url, monkeypatch):
    import redis.connection

    from conftest import reset_broker_connections
    from portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = broker_url
    reset_broker_connections(app)
    opened = []
    connect = redis.connection.AbstractConnection.connect

    def counting_connect(self):
        if self._sock is None:
            opened.append(self)
        return connect(self)

    monkeypatch.setattr(redis.connection.AbstractConnection, "connect", counting_connect)
    for _ in range(5):
        assert client.get("/healthz").json()["broker"] == "ok"
    assert len(opened) == 1
