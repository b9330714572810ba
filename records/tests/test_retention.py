"""Retention by plan: seeded candidates of every kind beside non-candidates just inside each
limit; the dry run lists exactly the candidates, the real run purges only them, and the public
records (versions, PDFs, attachments, receipts, the audit history) stay as they were."""

import datetime
import hashlib
from collections import Counter

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from inventories.models import (
    Attachment,
    AuditEvent,
    BudgetLine,
    Goal,
    Intervention,
    Inventory,
    InventoryVersion,
    VersionDocument,
)
from inventories.services import inventory_submit
from inventories.services.attachments import attachment_upload
from inventories.services.records import version_document_render
from inventories.services.review import inventory_return_for_completion
from inventories.tests.factories import RoundFactory, open_inventory, round_2019
from portal.models import OutboxMessage
from records.models import ImmutablePurgeRecordError, PurgeRecord, RetentionPlan
from records.retention import (
    ANONYMISED_EMAIL_DOMAIN,
    ANONYMISED_NAME,
    STOCKHOLM,
    months_before,
    retention_apply,
    retention_candidates,
)
from records.tasks import retention_apply as retention_apply_task
from regions.models import ContactPerson, Invitation, Region
from regions.tests.factories import PASSWORD, ContactPersonFactory, StaffUserFactory
from staff.services import region_contact_deactivate

pytestmark = pytest.mark.django_db


def plan_2019() -> RetentionPlan:
    """The 2019 round's plan (its migration made it; a flushed database gets it back here)."""
    return RetentionPlan.objects.get_or_create(round=round_2019())[0]


#: "Now" for every test: the 2019 round closed on 20 January 2020, over a year before.
NOW = datetime.datetime(2021, 3, 1, 12, 0, tzinfo=STOCKHOLM)
IN_ROUND = datetime.datetime(2019, 11, 15, 10, 0, tzinfo=STOCKHOLM)
MINUTE = datetime.timedelta(minutes=1)
LONG_AGO = datetime.datetime(2018, 1, 10, 9, 0, tzinfo=STOCKHOLM)
#: The defaults of the 2019 round's plan: 24 months, 12 months, 30 days.
CONTACT_CUTOFF = months_before(NOW, 24)
DRAFT_CUTOFF = months_before(NOW, 12)
SIGN_IN_CUTOFF = NOW - datetime.timedelta(days=30)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def region(code):
    return Region.objects.get(code=code)


def contact_of(code, *, at=LONG_AGO):
    with time_machine.travel(at, tick=False):
        return ContactPersonFactory(region=region(code))


def old_contact(*, last_login, code="13", active=False):
    person = contact_of(code)
    person.user.last_login = last_login
    person.user.save(update_fields=["last_login"])
    if not active:
        ContactPerson.objects.filter(pk=person.pk).update(active=False)
    return person


def upload(inventory, user, *, name="strategi.pdf"):
    attachment = attachment_upload(
        inventory=inventory,
        user=user,
        uploaded_file=SimpleUploadedFile(name, PDF),
        kind="strategy",
        description="",
    )
    Attachment.objects.filter(pk=attachment.pk).update(status=Attachment.Status.CLEAN)
    attachment.refresh_from_db()
    return attachment


def axes_row(model, *, at, username):
    extra = {"get_data": "", "post_data": "", "failures_since_start": 1}
    with time_machine.travel(at, tick=False):
        return model.objects.create(
            user_agent="test",
            ip_address="192.0.2.1",
            username=username,
            http_accept="*/*",
            path_info="/konto/logga-in/",
            **(extra if model is AccessAttempt else {}),
        )


def session_key_digest(key):
    return "s-" + hashlib.sha256(key.encode()).hexdigest()[:16]


@pytest.fixture
def seeded():
    """Candidates of every kind and, beside each, a non-candidate just inside its limit."""
    staff = StaffUserFactory()
    seed = {}

    # Contact persons (24 months): deactivated and unused since just before the limit …
    seed["contact_old"] = old_contact(last_login=CONTACT_CUTOFF - MINUTE)
    with time_machine.travel(LONG_AGO, tick=False):
        seed["old_invitation"] = Invitation.objects.create(
            contact_person=seed["contact_old"], expires_at=LONG_AGO + datetime.timedelta(days=7)
        )
    seed["contact_recent"] = old_contact(last_login=CONTACT_CUTOFF + MINUTE)
    seed["contact_active"] = old_contact(last_login=LONG_AGO, active=True)
    # … and deactivated by staff (the audit history says when) just before or after the limit.
    for name, moment in (
        ("contact_deactivated_early", CONTACT_CUTOFF - MINUTE),
        ("contact_deactivated_late", CONTACT_CUTOFF + MINUTE),
    ):
        person = old_contact(last_login=LONG_AGO, active=True, code="14")
        with time_machine.travel(moment, tick=False):
            region_contact_deactivate(contact_person=person, actor=staff)
        seed[name] = person

    # Drafts (12 months after the round closed).
    with time_machine.travel(IN_ROUND, tick=False):
        skane = contact_of("12", at=IN_ROUND).user
        seed["draft"] = open_inventory(round=round_2019(), region=region("12"), user=skane)
        seed["draft_attachment"] = upload(seed["draft"], skane)
        seed["empty_draft"] = open_inventory(
            round=round_2019(), region=region("04"), user=contact_of("04").user, filled=False
        )
        # A submitted inventory: a public record with its attachment.
        stockholm = contact_of("01").user
        submitted = open_inventory(round=round_2019(), region=region("01"), user=stockholm)
        seed["frozen_attachment"] = upload(submitted, stockholm, name="beslut.pdf")
        seed["version"] = inventory_submit(inventory=submitted, user=stockholm)
        seed["submitted"] = submitted
        # Returned for completion: submitted once, so never a "draft never submitted".
        uppsala = contact_of("03").user
        returned = open_inventory(round=round_2019(), region=region("03"), user=uppsala)
        inventory_submit(inventory=returned, user=uppsala)
        inventory_return_for_completion(inventory=returned, actor=staff, message="Mer.")
        seed["returned"] = returned
        # A round that closed one minute too late to be purged.
        late = RoundFactory(deadline=DRAFT_CUTOFF + MINUTE)
        seed["late_draft"] = open_inventory(round=late, region=region("12"), user=skane)
        # A round closed long ago, but one region's extension ended one minute too late.
        extended = RoundFactory(deadline=datetime.datetime(2019, 12, 1, tzinfo=STOCKHOLM))
        seed["extended_draft"] = open_inventory(round=extended, region=region("12"), user=skane)
        seed["other_draft"] = open_inventory(round=extended, region=region("03"), user=uppsala)
    Inventory.objects.filter(pk=seed["extended_draft"].pk).update(
        deadline_override=DRAFT_CUTOFF + MINUTE
    )
    seed["document"] = version_document_render(version_id=seed["version"].pk)

    # Sign-in records (30 days) and sessions (when expired).
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        key = model._meta.model_name
        seed[f"{key}_old"] = axes_row(model, at=SIGN_IN_CUTOFF - MINUTE, username="gammal@x.se")
        if model is not AccessLog:
            seed[f"{key}_young"] = axes_row(model, at=SIGN_IN_CUTOFF + MINUTE, username="ny@x.se")
    seed["session_expired"] = Session.objects.create(
        session_key="e" * 32, session_data="x", expire_date=NOW - MINUTE
    )
    seed["session_live"] = Session.objects.create(
        session_key="l" * 32, session_data="x", expire_date=NOW + MINUTE
    )
    seed["totp"] = TOTPDevice.objects.create(
        user=staff,
        name="App",
        confirmed=True,
        throttling_failure_count=3,
        throttling_failure_timestamp=SIGN_IN_CUTOFF - MINUTE,
    )
    seed["static"] = StaticDevice.objects.create(
        user=staff,
        name="Reservkoder",
        throttling_failure_count=2,
        throttling_failure_timestamp=SIGN_IN_CUTOFF + MINUTE,
    )
    return seed


def expected(seed):
    return {
        ("contact_person", str(seed["contact_old"].pk)),
        ("contact_person", str(seed["contact_deactivated_early"].pk)),
        ("draft", str(seed["draft"].pk)),
        ("access_attempt", str(seed["accessattempt_old"].pk)),
        ("access_failure", str(seed["accessfailurelog_old"].pk)),
        ("access_log", str(seed["accesslog_old"].pk)),
        ("session", session_key_digest("e" * 32)),
        ("otp_throttle", f"totpdevice-{seed['totp'].pk}"),
    }


def public_records():
    """Everything the portal must never purge, as it is now."""
    return {
        "versions": list(InventoryVersion.objects.values_list("pk", "sha256", "snapshot_json")),
        "documents": [
            (d.pk, d.sha256, hashlib.sha256(default_storage.open(d.file.name).read()).hexdigest())
            for d in VersionDocument.objects.exclude(file="")
        ],
        "frozen": [
            (a.pk, a.sha256, default_storage.open(a.file.name).read())
            for a in Attachment.objects.filter(frozen_in__isnull=False)
        ],
        "audit": list(AuditEvent.objects.values_list("pk", "action", "message", "data")),
        "outbox": list(OutboxMessage.objects.values_list("pk", "to", "subject", "body_text")),
    }


def test_the_dry_run_lists_exactly_the_seeded_candidates(seeded):
    before = public_records()
    counts = {m: m.objects.count() for m in (AccessAttempt, Session, BudgetLine, PurgeRecord)}

    with time_machine.travel(NOW, tick=False):
        candidates = retention_candidates()

    assert {(c.kind, c.object_id) for c in candidates} == expected(seeded)
    assert len(candidates) == len(expected(seeded))
    by_id = {(c.kind, c.object_id): c for c in candidates}
    draft = by_id[("draft", str(seeded["draft"].pk))]
    assert draft.reason.startswith("draft of 12 in round 2019 never submitted")
    assert "round closed 2020-01-20" in draft.reason
    assert draft.age(NOW).days == 405
    # Nothing changed.
    assert public_records() == before
    assert counts == {m: m.objects.count() for m in counts}
    seeded["contact_old"].user.refresh_from_db()
    assert seeded["contact_old"].user.full_name.startswith("Person")


def test_the_real_run_purges_only_the_candidates_and_records_each_purge(
    seeded, django_capture_on_commit_callbacks
):
    before = public_records()
    files_before = default_storage.exists(seeded["draft_attachment"].file.name)

    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        purged = retention_apply(trigger="command")

    assert purged == Counter(
        {
            "contact_person": 2,
            "draft": 1,
            "access_attempt": 1,
            "access_failure": 1,
            "access_log": 1,
            "session": 1,
            "otp_throttle": 1,
        }
    )
    # Contact persons: anonymised, cannot sign in, rows kept.
    for name in ("contact_old", "contact_deactivated_early"):
        person = ContactPerson.objects.select_related("user").get(pk=seeded[name].pk)
        user = person.user
        assert user.full_name == ANONYMISED_NAME
        assert user.email == f"anonymiserad-{user.pk}@{ANONYMISED_EMAIL_DOMAIN}"
        assert not user.has_usable_password()
        assert not user.is_active and not person.active
        assert user.last_login is None
    assert Invitation.objects.get(pk=seeded["old_invitation"].pk).revoked_at == NOW
    for name in ("contact_recent", "contact_active", "contact_deactivated_late"):
        user = ContactPerson.objects.get(pk=seeded[name].pk).user
        assert user.full_name.startswith("Person") and user.email.endswith("@example.se")
        assert user.has_usable_password()
    # The draft: its content is gone, with its attachment's file; the row and history stay.
    draft = Inventory.objects.get(pk=seeded["draft"].pk)
    assert not BudgetLine.objects.filter(inventory=draft).exists()
    assert not Intervention.objects.filter(inventory=draft).exists()
    assert not Goal.objects.filter(inventory=draft).exists()
    assert not Attachment.objects.filter(inventory=draft).exists()
    assert draft.current_state.context == "" and draft.target_state.target_state == ""
    assert files_before and not default_storage.exists(seeded["draft_attachment"].file.name)
    assert AuditEvent.objects.filter(inventory=draft, action="opened").exists()
    for name in ("late_draft", "extended_draft", "other_draft", "returned"):
        assert BudgetLine.objects.filter(inventory=seeded[name]).count() == 2, name
        assert Intervention.objects.filter(inventory=seeded[name]).count() == 2, name
    # Sign-in records.
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"ny@x.se"}
    assert set(AccessFailureLog.objects.values_list("username", flat=True)) == {"ny@x.se"}
    assert not AccessLog.objects.exists()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["l" * 32]
    seeded["totp"].refresh_from_db()
    seeded["static"].refresh_from_db()
    assert seeded["totp"].throttling_failure_count == 0
    assert seeded["totp"].throttling_failure_timestamp is None
    assert seeded["static"].throttling_failure_count == 2
    # Public records: untouched.
    assert public_records() == before
    assert before["documents"] and before["frozen"] and before["outbox"]
    # One record per contact person and per draft; one per batch (with its ids) otherwise.
    records = {(r.kind, tuple(r.object_ids)) for r in PurgeRecord.objects.all()}
    assert records == {(kind, (object_id,)) for kind, object_id in expected(seeded)}
    draft_record = PurgeRecord.objects.get(kind="draft")
    assert draft_record.round == round_2019()
    assert draft_record.trigger == "command"
    assert draft_record.data["budget_lines"] == 2 and draft_record.data["attachments"] == 1
    person_record = next(
        r
        for r in PurgeRecord.objects.filter(kind="contact_person")
        if r.object_ids == [str(seeded["contact_old"].pk)]
    )
    assert person_record.data["user"] == seeded["contact_old"].user.pk
    assert "Person" not in str(person_record.data) + person_record.reason
    # Last (a failed sign-in makes django-axes clean its records at today's date).
    for name in ("contact_old", "contact_deactivated_early"):
        user = ContactPerson.objects.get(pk=seeded[name].pk).user
        for email in (seeded[name].user.email, user.email):  # the old address, and the new
            request = RequestFactory().post("/konto/logga-in/")
            assert authenticate(request, username=email, password=PASSWORD) is None


def test_a_second_run_purges_nothing_more(seeded):
    with time_machine.travel(NOW, tick=False):
        first = retention_apply(trigger="beat")
        records = PurgeRecord.objects.count()
        assert retention_candidates() == []
        assert retention_apply(trigger="beat") == Counter()
    assert sum(first.values()) == records == len(expected(seeded))
    assert PurgeRecord.objects.count() == records


def test_the_beat_task_applies_the_plan_and_is_scheduled(seeded):
    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "records.tasks.retention_apply"
    )
    assert entry["schedule"].hour == {2}

    with time_machine.travel(NOW, tick=False):
        result = retention_apply_task.apply().get()

    assert result["draft"] == 1 and result["contact_person"] == 2
    assert set(PurgeRecord.objects.values_list("trigger", flat=True)) == {"beat"}


def test_the_shortest_plan_applies_to_what_belongs_to_no_round(seeded):
    other = RoundFactory()
    RetentionPlan.objects.create(round=other, sign_in_days=10, contact_inactive_months=60)

    with time_machine.travel(NOW, tick=False):
        kinds = Counter(c.kind for c in retention_candidates())

    # 10 days: the young attempt (29 days old) is due now; 24 months still rule contact persons.
    assert kinds["access_attempt"] == 2 and kinds["access_failure"] == 2
    assert kinds["contact_person"] == 2


def test_a_round_s_own_plan_decides_its_drafts(seeded):
    plan = plan_2019()
    plan.draft_months = 14  # closed 13 months and 9 days ago
    plan.save()

    with time_machine.travel(NOW, tick=False):
        assert not [c for c in retention_candidates() if c.kind == "draft"]
        plan.draft_months = 13
        plan.save()
        assert [c.object_id for c in retention_candidates(round=round_2019())] == [
            str(seeded["draft"].pk)
        ]


def test_purge_records_are_append_only():
    record = PurgeRecord.objects.create(
        kind="session", object_ids=["s-1"], count=1, reason="session expired", trigger="beat"
    )
    record.reason = "ändrad"
    with pytest.raises(ImmutablePurgeRecordError):
        record.save()
    with pytest.raises(ImmutablePurgeRecordError):
        record.delete()
    with pytest.raises(ImmutablePurgeRecordError):
        PurgeRecord.objects.filter(pk=record.pk).update(reason="x")
    with pytest.raises(ImmutablePurgeRecordError):
        PurgeRecord.objects.all().delete()


@pytest.mark.postgres
def test_postgresql_refuses_raw_changes_of_a_purge_record(postgres):
    record = PurgeRecord.objects.create(
        kind="session", object_ids=["s-1"], count=1, reason="session expired", trigger="beat"
    )
    for sql in (
        "UPDATE records_purgerecord SET reason = 'x' WHERE id = %s",
        "DELETE FROM records_purgerecord WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [record.pk])
    assert PurgeRecord.objects.get(pk=record.pk).reason == "session expired"


@pytest.mark.parametrize(
    ("moment", "months", "result"),
    [
        ((2021, 5, 31, 10), 3, (2021, 2, 28, 10)),  # the day clamped to the month's last
        ((2021, 3, 1, 12), 24, (2019, 3, 1, 12)),
        ((2020, 1, 15, 8), 13, (2018, 12, 15, 8)),
        ((2021, 7, 1, 12), 6, (2021, 1, 1, 12)),  # summer time to winter time: same clock time
    ],
)
def test_months_are_calendar_months_in_swedish_time(moment, months, result):
    def aware(parts):
        return datetime.datetime(*parts, tzinfo=STOCKHOLM)

    assert months_before(aware(moment), months) == aware(result)


FAIL_DRAFT_RECORDS = """
CREATE FUNCTION test_fail_draft_record() RETURNS trigger AS $$
BEGIN
    IF NEW.kind = 'draft' THEN
        RAISE EXCEPTION 'the disk is full';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER test_fail_draft_record BEFORE INSERT ON records_purgerecord
    FOR EACH ROW EXECUTE FUNCTION test_fail_draft_record();
"""


@pytest.mark.postgres
def test_a_purge_whose_record_fails_is_undone_and_the_next_run_does_it(
    seeded, postgres, django_capture_on_commit_callbacks
):
    """Each purge commits with its record or not at all: the database refuses the draft's record
    (a real failure, raised by PostgreSQL), so its content stays; the rest of the run goes on."""
    with connection.cursor() as cursor:
        cursor.execute(FAIL_DRAFT_RECORDS)
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = retention_apply(trigger="beat")
    assert first["failed"] == 1 and "draft" not in first
    assert first["contact_person"] == 2 and first["session"] == 1
    assert BudgetLine.objects.filter(inventory=seeded["draft"]).count() == 2
    assert Attachment.objects.filter(pk=seeded["draft_attachment"].pk).exists()
    assert default_storage.exists(seeded["draft_attachment"].file.name)
    assert not PurgeRecord.objects.filter(kind="draft").exists()

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_fail_draft_record ON records_purgerecord")
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        second = retention_apply(trigger="beat")
    assert second == Counter({"draft": 1})
    assert not BudgetLine.objects.filter(inventory=seeded["draft"]).exists()
    assert not default_storage.exists(seeded["draft_attachment"].file.name)
    assert PurgeRecord.objects.count() == len(expected(seeded))


@pytest.mark.broker
def test_a_real_worker_runs_the_task_from_the_queue(celery_worker):
    """The task is found by the worker's autodiscovery and purges through the broker."""
    import time

    from django.utils import timezone

    old = axes_row(
        AccessAttempt, at=timezone.now() - datetime.timedelta(days=40), username="gammal@x.se"
    )
    young = axes_row(AccessAttempt, at=timezone.now(), username="ny@x.se")

    retention_apply_task.delay()

    deadline = time.monotonic() + 60
    while not PurgeRecord.objects.filter(kind="access_attempt").exists():
        assert time.monotonic() < deadline, "the worker purged nothing within a minute"
        time.sleep(0.1)
    record = PurgeRecord.objects.get(kind="access_attempt")
    assert record.object_ids == [str(old.pk)] and record.trigger == "beat"
    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [young.pk]
