"""Invitation e-mails leave through Celery: retried, swept up, never lost to a broken broker."""

import re
import smtplib
import time
from datetime import timedelta

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from regions import tasks
from regions.models import ContactPerson, Invitation
from regions.services import contact_person_deactivate, contact_person_register
from regions.tests.conftest import invitation_path_in
from regions.tests.factories import ContactPersonFactory


def smtp_refused(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2


def usable_invitation(**fields):
    return Invitation.objects.create(
        contact_person=fields.pop("contact_person", None) or ContactPersonFactory(),
        expires_at=timezone.now() + timedelta(days=7),
        **fields,
    )


@pytest.mark.django_db
def test_a_broken_broker_does_not_lose_an_invitation(
    broken_broker, client, staff_user, region, caplog, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:regions_contactperson_add"),
            {
                "full_name": "Karin Kontakt",
                "email": "karin.kontakt@skane.example.se",
                "region": region.pk,
                "role": ContactPerson.Role.MAIN,
            },
        )

    # Staff see success; the invitation waits, unsent, in the database.
    assert response.status_code == 302
    assert "Could not queue regions.tasks.invitation_send" in caplog.text
    invitation = Invitation.objects.get(
        contact_person__user__email="karin.kontakt@skane.example.se"
    )
    assert invitation.sent_at is None
    assert invitation.send_attempts == 0
    assert invitation.status == Invitation.Status.PENDING
    assert mail.outbox == []

    # The broker is back (tasks inline here): the sweeper sends it, exactly once.
    broken_broker.conf.task_always_eager = True
    assert tasks.invitations_send_unsent.delay().get() == 1
    assert tasks.invitations_send_unsent.delay().get() == 0
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    [message] = mail.outbox
    assert message.to == ["karin.kontakt@skane.example.se"]
    assert client.get(invitation_path_in(message)).status_code == 200


@pytest.mark.django_db
def test_the_service_succeeds_while_the_broker_is_down(
    broken_broker, staff_user, region, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact_person = contact_person_register(
            full_name="Erik Ersättare",
            email="erik@example.se",
            region=region,
            role=ContactPerson.Role.DEPUTY,
            invited_by=staff_user,
        )
    assert contact_person.invitations.get().status == Invitation.Status.PENDING


@pytest.mark.django_db
def test_the_sweeper_sends_only_what_can_still_be_used():
    pending = usable_invitation()
    sent = usable_invitation(sent_at=timezone.now())
    revoked = usable_invitation(revoked_at=timezone.now())
    used = usable_invitation(used_at=timezone.now())
    inactive = usable_invitation(contact_person=ContactPersonFactory())
    contact_person_deactivate(contact_person=inactive.contact_person)
    given_up = usable_invitation(send_attempts=10, last_error="SMTPRecipientsRefused")
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        expired = usable_invitation()

    assert tasks.invitations_send_unsent() == 1
    assert [m.to for m in mail.outbox] == [[pending.contact_person.user.email]]
    for invitation in (sent, revoked, used, inactive, given_up, expired):
        invitation.refresh_from_db()
        assert invitation.send_attempts == given_up.send_attempts * (invitation == given_up)


@pytest.mark.django_db
def test_smtp_failures_are_recorded_retried_with_backoff_and_swept_up_later(settings, monkeypatch):
    smtp_refused(settings)
    invitation = usable_invitation()
    retries = []

    def retry(**kwargs):
        retries.append(kwargs)
        return Retry(exc=kwargs["exc"], when=kwargs["countdown"])

    monkeypatch.setattr(tasks.invitation_send, "retry", retry)
    result = tasks.invitation_send.apply(args=[invitation.pk], throw=False)

    assert result.state == "RETRY"
    [retried] = retries
    assert isinstance(retried["exc"], ConnectionRefusedError)
    assert 0 <= retried["countdown"] <= tasks.invitation_send.retry_backoff
    invitation.refresh_from_db()
    assert invitation.sent_at is None
    assert invitation.send_attempts == 1
    assert invitation.last_error.startswith("ConnectionRefusedError")
    assert invitation.status == Invitation.Status.FAILED

    # The mail server is back: the sweeper sends it and clears the error.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.invitations_send_unsent() == 1
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert invitation.send_attempts == 2
    assert invitation.last_error == ""
    assert len(mail.outbox) == 1
    # Every attempt carries the same Message-ID (a copy after a crash is recognisable).
    from regions.services import invitation_email

    assert (
        mail.outbox[0].message()["Message-ID"] == invitation_email(invitation).headers["Message-ID"]
    )


def test_the_task_retries_mail_server_and_network_errors_with_growing_delays():
    task = tasks.invitation_send
    assert issubclass(smtplib.SMTPServerDisconnected, task.autoretry_for)
    assert issubclass(ConnectionRefusedError, task.autoretry_for)
    assert task.retry_backoff and task.retry_jitter
    assert task.max_retries >= 5


def _wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.broker
def test_a_real_worker_delivers_the_invitation_over_smtp(
    celery_worker, smtp_sink, transactional_db, client, staff_user, region, settings
):
    settings.SITE_URL = "http://testserver"
    contact_person = contact_person_register(
        full_name="Karin Kontakt",
        email="karin.kontakt@skane.example.se",
        region=region,
        role=ContactPerson.Role.MAIN,
        invited_by=staff_user,
    )

    [received] = smtp_sink.wait_for(1)
    message = received["message"]
    assert received["to"] == ["karin.kontakt@skane.example.se"]
    assert (
        " ".join(message["Subject"].split())
        == "Inbjudan till Tillväxtverkets behovsinventering – Region Skåne"
    )
    assert message["Reply-To"] == "behovsinventering@example.se"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hej Karin Kontakt!" in text
    assert '<html lang="sv">' in html

    link = re.search(r"http://testserver(/inbjudan/(?!ny/)[^/\s]+/)", text).group(1)
    assert link in html
    invitation = contact_person.invitations.get()
    assert _wait_until(lambda: Invitation.objects.get(pk=invitation.pk).sent_at is not None)

    response = client.post(
        link,
        {"new_password1": "Hallbar-Utveckling-2020", "new_password2": "Hallbar-Utveckling-2020"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/region/region-skane/"
    assert len(smtp_sink.messages) == 1
