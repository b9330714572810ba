from datetime import timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.models import User
from regions import services
from regions.models import ContactPerson, Invitation
from regions.selectors import InvitationLinkInvalid, invitation_get_by_token
from regions.tests.conftest import invitation_path_in
from regions.tests.factories import ContactPersonFactory

pytestmark = pytest.mark.django_db


def token_of(path):
    return path.rstrip("/").rsplit("/", 1)[-1]


def test_register_creates_user_contact_person_and_sends_one_invitation(register, region):
    contact_person = register(
        full_name="  Karin   Kontakt ", email="Karin.Kontakt@Skane.example.se"
    )

    user = contact_person.user
    assert user.email == "karin.kontakt@skane.example.se"
    assert user.full_name == "Karin Kontakt"
    assert not user.has_usable_password()
    assert contact_person.region == region
    assert contact_person.role == ContactPerson.Role.MAIN
    invitation = contact_person.invitations.get()
    assert invitation.sent_at is not None
    assert invitation.send_attempts == 1

    [message] = mail.outbox
    assert message.to == ["karin.kontakt@skane.example.se"]
    assert message.subject == "Inbjudan till Tillväxtverkets behovsinventering – Region Skåne"
    assert message.reply_to == ["behovsinventering@example.se"]
    assert "Hej Karin Kontakt!" in message.body
    assert "kontaktperson för Region Skåne" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="sv">' in html
    token = token_of(invitation_path_in(message))
    assert invitation_get_by_token(token=token) == invitation


def test_register_refuses_an_address_that_already_has_an_account(register, contact):
    with pytest.raises(ValidationError) as excinfo:
        register(email=contact.email.upper())
    assert "Det finns redan ett konto med e-postadressen" in str(excinfo.value)
    assert ContactPerson.objects.count() == 1
    assert mail.outbox == []


def test_invitation_link_uses_the_site_url_and_expires_after_the_valid_days(register, settings):
    settings.SITE_URL = "https://behovsinventering.example.se"
    settings.INVITATION_VALID_DAYS = 7
    invitation = register().invitations.get()
    assert services.invitation_link(invitation).startswith(
        "https://behovsinventering.example.se/inbjudan/"
    )
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_a_new_invitation_makes_the_older_link_stop_working(
    register, staff_user, django_capture_on_commit_callbacks
):
    contact_person = register()
    first = contact_person.invitations.get()
    with django_capture_on_commit_callbacks(execute=True):
        second = services.invitation_create(contact_person=contact_person, created_by=staff_user)

    first.refresh_from_db()
    assert first.status == Invitation.Status.REVOKED
    assert second.is_usable
    assert len(mail.outbox) == 2
    assert invitation_path_in(mail.outbox[0]) != invitation_path_in(mail.outbox[1])


def test_no_invitation_for_someone_who_already_chose_a_password(contact, staff_user):
    with pytest.raises(ValidationError) as excinfo:
        services.invitation_create(contact_person=contact.contact_person, created_by=staff_user)
    assert "har redan valt ett lösenord" in str(excinfo.value)


def test_no_invitation_for_an_inactive_contact_person(register, staff_user):
    contact_person = services.contact_person_deactivate(contact_person=register())
    with pytest.raises(ValidationError) as excinfo:
        services.invitation_create(contact_person=contact_person, created_by=staff_user)
    assert "är inaktiverad" in str(excinfo.value)


def test_accepting_sets_the_password_and_works_only_once(register):
    invitation = register().invitations.get()
    user = services.invitation_accept(invitation=invitation, password="Hallbar-Utveckling-2020")

    assert user.check_password("Hallbar-Utveckling-2020")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.USED
    with pytest.raises(services.InvitationUnusable) as excinfo:
        services.invitation_accept(invitation=invitation, password="Ett-Annat-Losenord-99")
    assert excinfo.value.status == Invitation.Status.USED
    user.refresh_from_db()
    assert user.check_password("Hallbar-Utveckling-2020")


def test_accepting_an_expired_invitation_is_refused(register):
    invitation = register().invitations.get()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        with pytest.raises(services.InvitationUnusable) as excinfo:
            services.invitation_accept(invitation=invitation, password="Hallbar-Utveckling-2020")
    assert excinfo.value.status == Invitation.Status.EXPIRED
    assert not User.objects.get(pk=invitation.contact_person.user_id).has_usable_password()


def test_a_weak_password_is_refused_and_the_invitation_stays_usable(register):
    invitation = register().invitations.get()
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, password="12345678")
    invitation.refresh_from_db()
    assert invitation.is_usable


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "x" + token,
        lambda token: token.split(":", 1)[1],
        lambda token: "",
    ],
    ids=["signature", "payload", "truncated", "empty"],
)
def test_a_tampered_token_names_no_invitation(register, tamper):
    invitation = register().invitations.get()
    token = services.invitation_token(invitation)
    with pytest.raises(InvitationLinkInvalid):
        invitation_get_by_token(token=tamper(token))


def test_a_token_signed_for_another_purpose_or_with_a_wrong_nonce_is_refused(register):
    invitation = register().invitations.get()
    other_salt = signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt="elsewhere")
    wrong_nonce = signing.dumps({"i": invitation.pk, "n": "guessed"}, salt=Invitation.SIGNING_SALT)
    for token in (other_salt, wrong_nonce):
        with pytest.raises(InvitationLinkInvalid):
            invitation_get_by_token(token=token)


def test_deactivating_revokes_open_links_and_takes_away_the_region(register, client):
    contact_person = register()
    invitation = contact_person.invitations.get()
    services.contact_person_deactivate(contact_person=contact_person)

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    client.force_login(contact_person.user)
    response = client.get("/")
    assert response.status_code == 403
    assert "inte kopplat till någon region" in response.content.decode()
    with pytest.raises(ValidationError):
        services.contact_person_deactivate(contact_person=contact_person)


def test_reactivating_gives_the_region_back(contact, client):
    contact_person = services.contact_person_deactivate(contact_person=contact.contact_person)
    services.contact_person_reactivate(contact_person=contact_person)
    client.force_login(contact)
    assert client.get("/").url == "/region/region-skane/"


def test_delivering_twice_sends_one_e_mail(register):
    invitation = register().invitations.get()
    assert services.invitation_deliver(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1


def test_a_failed_delivery_is_recorded_for_staff_and_raised(register, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.CELERY_TASK_ALWAYS_EAGER = True
    invitation = Invitation.objects.create(
        contact_person=ContactPersonFactory(), expires_at=timezone.now() + timedelta(days=7)
    )

    with pytest.raises(OSError):
        services.invitation_deliver(invitation_id=invitation.pk)

    invitation.refresh_from_db()
    assert invitation.sent_at is None
    assert invitation.send_attempts == 1
    assert "ConnectionRefusedError" in invitation.last_error
    assert invitation.status == Invitation.Status.FAILED


def test_revoked_or_expired_invitations_are_not_delivered(register):
    invitation = register().invitations.get()
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=None, revoked_at=timezone.now())
    assert services.invitation_deliver(invitation_id=invitation.pk) is False
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=None)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert services.invitation_deliver(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1


class TestAccountAccessRequest:
    """The 'send me a new link' form: one neutral answer, the right e-mail behind it."""

    def request(self, email, capture):
        with capture(execute=True):
            services.account_access_request(email=email)

    def test_unknown_address_gets_nothing(self, db, django_capture_on_commit_callbacks):
        self.request("ingen@example.se", django_capture_on_commit_callbacks)
        assert mail.outbox == []

    def test_contact_person_without_password_gets_a_new_invitation(
        self, register, django_capture_on_commit_callbacks
    ):
        contact_person = register()
        first = contact_person.invitations.get()
        with time_machine.travel(timezone.now() + timedelta(days=8)):
            self.request("KARIN.kontakt@skane.example.se", django_capture_on_commit_callbacks)
            assert contact_person.invitations.count() == 2
            newest = contact_person.invitations.order_by("-created_at").first()
            assert newest.is_usable
            assert newest.created_by is None
        first.refresh_from_db()
        assert first.revoked_at is not None
        assert len(mail.outbox) == 2
        assert mail.outbox[1].subject.startswith("Inbjudan till Tillväxtverkets behovsinventering")

    def test_asking_again_within_five_minutes_sends_nothing_more(
        self, register, django_capture_on_commit_callbacks
    ):
        register()
        start = timezone.now()
        with time_machine.travel(start + timedelta(minutes=1)):
            self.request("karin.kontakt@skane.example.se", django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 1
        with time_machine.travel(start + timedelta(minutes=6)):
            self.request("karin.kontakt@skane.example.se", django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 2

    def test_someone_with_a_password_gets_a_password_reset_instead(
        self, contact, django_capture_on_commit_callbacks
    ):
        self.request(contact.email, django_capture_on_commit_callbacks)
        [message] = mail.outbox
        assert message.subject == "Välj ett nytt lösenord – Tillväxtverkets behovsinventering"
        assert "/konto/losenord/aterstall/" in message.body
        assert message.reply_to == ["behovsinventering@example.se"]
        assert not contact.contact_person.invitations.exists()

    def test_an_inactive_contact_person_gets_nothing(
        self, register, django_capture_on_commit_callbacks
    ):
        contact_person = services.contact_person_deactivate(contact_person=register())
        mail.outbox.clear()
        with time_machine.travel(timezone.now() + timedelta(minutes=10)):
            self.request(contact_person.user.email, django_capture_on_commit_callbacks)
        assert mail.outbox == []
