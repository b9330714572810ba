"""What people see of the retention plans: ``manage.py retention``, the admin, and the privacy
notice that lists the periods (a public page: every role reads it)."""

import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventories.tests.factories import RoundFactory, open_inventory, round_2019
from records.models import PurgeRecord, RetentionPlan
from records.retention import STOCKHOLM
from regions.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def plan_2019() -> RetentionPlan:
    """The 2019 round's plan (its migration made it; a flushed database gets it back here)."""
    return RetentionPlan.objects.get_or_create(round=round_2019())[0]


IN_ROUND = datetime.datetime(2019, 11, 15, 10, 0, tzinfo=STOCKHOLM)
NOW = datetime.datetime(2021, 3, 1, 12, 0, tzinfo=STOCKHOLM)


@pytest.fixture
def draft(region, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        return open_inventory(round=round_2019(), region=region, user=contact)


@pytest.fixture
def old_attempt():
    from axes.models import AccessAttempt

    with time_machine.travel(NOW - datetime.timedelta(days=45), tick=False):
        return AccessAttempt.objects.create(
            user_agent="test",
            ip_address="192.0.2.1",
            username="gammal@example.se",
            http_accept="*/*",
            path_info="/konto/logga-in/",
            get_data="",
            post_data="",
            failures_since_start=1,
        )


def run(*args):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("retention", *args, stdout=out)
    return out.getvalue()


# --- manage.py retention -----------------------------------------------------------------------


def test_the_dry_run_lists_kind_id_age_and_reason_and_changes_nothing(draft, old_attempt):
    output = run("--dry-run")

    lines = output.splitlines()
    assert lines[0] == (
        "Retention as of 2021-03-01 12:00 CET, all rounds (dry run: nothing is changed)"
    )
    assert lines[1:] == [
        f"draft\t{draft.pk}\t405 days\tdraft of 12 in round 2019 never submitted; round closed "
        "2020-01-20 (plan: delete after 12 months)",
        f"access_attempt\t{old_attempt.pk}\t45 days\tolder than 30 days",
        "2 would be purged.",
    ]
    assert not PurgeRecord.objects.exists()
    assert draft.budget_lines.count() == 2


def test_the_real_run_purges_and_prints_a_summary(draft, old_attempt):
    output = run()

    assert output == (
        "Retention as of 2021-03-01 12:00 CET, all rounds: 2 purged (access_attempt 1, draft 1).\n"
    )
    assert draft.budget_lines.count() == 0
    assert PurgeRecord.objects.filter(trigger="command").count() == 2
    assert run().endswith(": 0 purged.\n")


def test_a_round_limits_the_run_to_its_drafts(draft, old_attempt):
    other = RoundFactory(slug="ovning")

    assert run("--dry-run", "--round", "ovning").splitlines()[1:] == ["0 would be purged."]
    assert run("--round", other.slug).endswith("round ovning, drafts only: 0 purged.\n")
    assert "1 purged (draft 1)" in run("--round", "2019")
    assert old_attempt.__class__.objects.filter(pk=old_attempt.pk).exists()


def test_the_dry_run_looks_ahead_with_at(draft, old_attempt):
    out = StringIO()
    call_command("retention", "--dry-run", "--at", "2020-03-01T12:00", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Retention as of 2020-03-01 12:00 CET, all rounds")
    # Closed on 20 January 2020: not yet twelve months; the attempt was not made yet either.
    assert lines[1:] == ["0 would be purged."]
    out = StringIO()
    call_command("retention", "--dry-run", "--at", "2021-01-21", stdout=out)
    # 366 days: 2020 is a leap year.
    assert out.getvalue().splitlines()[1].startswith(f"draft\t{draft.pk}\t366 days\t")
    with pytest.raises(CommandError, match="--at only goes with --dry-run"):
        call_command("retention", "--at", "2021-01-21")
    with pytest.raises(CommandError, match="not an ISO date"):
        call_command("retention", "--dry-run", "--at", "i morgon")


def test_an_unknown_round_is_refused():
    with pytest.raises(CommandError, match="No round with the slug 'saknas'"):
        run("--dry-run", "--round", "saknas")


# --- The admin ----------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(email="chef@example.se", is_staff=True, is_superuser=True))
    return client


def test_the_plan_s_change_page_loads_and_saves_for_a_superuser(superuser_client):
    plan = plan_2019()
    url = reverse("admin:records_retentionplan_change", args=[plan.pk])

    page = superuser_client.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Kontaktpersoner: anonymiseras efter (månader)" in html
    assert 'name="draft_months" value="12"' in html
    response = superuser_client.post(
        url, {"contact_inactive_months": "36", "draft_months": "6", "sign_in_days": "14"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.contact_inactive_months, plan.draft_months, plan.sign_in_days) == (36, 6, 14)
    refused = superuser_client.post(
        url, {"contact_inactive_months": "0", "draft_months": "6", "sign_in_days": "14"}
    )
    assert refused.status_code == 200
    assert "Kontrollera att detta värde är större än eller lika med 1." in refused.content.decode()


def test_a_superuser_adds_a_plan_for_a_new_round_and_reads_the_purge_log(superuser_client):
    new_round = RoundFactory()
    PurgeRecord.objects.create(
        kind="session", object_ids=["s-1"], count=1, reason="session expired", trigger="beat"
    )

    assert superuser_client.get(reverse("admin:records_retentionplan_add")).status_code == 200
    response = superuser_client.post(
        reverse("admin:records_retentionplan_add"),
        {
            "round": str(new_round.pk),
            "contact_inactive_months": "24",
            "draft_months": "12",
            "sign_in_days": "30",
        },
    )
    assert response.status_code == 302
    assert RetentionPlan.objects.filter(round=new_round).exists()
    log = superuser_client.get(reverse("admin:records_purgerecord_changelist"))
    assert log.status_code == 200
    assert "session expired" in log.content.decode()


def test_staff_read_the_plans_and_the_log_but_change_nothing(client, staff_user):
    client.force_login(staff_user)
    plan = plan_2019()

    assert client.get(reverse("admin:records_retentionplan_changelist")).status_code == 200
    assert client.get(reverse("admin:records_purgerecord_changelist")).status_code == 200
    change = client.get(reverse("admin:records_retentionplan_change", args=[plan.pk]))
    assert change.status_code == 200
    assert 'name="draft_months"' not in change.content.decode()  # read-only for staff
    client.post(
        reverse("admin:records_retentionplan_change", args=[plan.pk]),
        {"contact_inactive_months": "1", "draft_months": "1", "sign_in_days": "1"},
    )
    plan.refresh_from_db()
    assert plan.draft_months == 12
    assert client.get(reverse("admin:records_retentionplan_add")).status_code == 403


def test_contact_persons_and_anonymous_visitors_do_not_get_the_admin(client, contact):
    url = reverse("admin:records_retentionplan_changelist")
    assert client.get(url).status_code == 302
    client.force_login(contact)
    assert client.get(url).status_code == 302


# --- The privacy notice ---------------------------------------------------------------------------


def retention_section(client) -> str:
    html = client.get(reverse("privacy")).content.decode()
    start = html.index("Hur länge vi sparar dem")
    return re.sub(r"\s+", " ", html[start : html.index("Kakor (cookies)")])


def test_the_privacy_notice_lists_the_periods_of_the_plans(client):
    text = retention_section(client)
    assert "inaktiverat och oanvänt i 24 månader ersätts namn och e-postadress" in text
    assert "Behovsinventering hösten 2019: 12 månader" in text
    assert "sparas i högst 30 dagar" in text
    assert "gallrar aldrig inskickade versioner, deras PDF-kopior, bilagor och kvitton" in text

    plan = plan_2019()
    plan.draft_months, plan.sign_in_days, plan.contact_inactive_months = 1, 7, 36
    plan.save()
    text = retention_section(client)
    assert "2019: 1 månad<" in text.replace(" <", "<")
    assert "sparas i högst 7 dagar" in text
    assert "oanvänt i 36 månader" in text


def test_the_shortest_plan_is_the_one_the_notice_promises_for_accounts(client):
    RetentionPlan.objects.create(
        round=RoundFactory(name="Övningsomgång"), contact_inactive_months=6, sign_in_days=1
    )
    text = retention_section(client)
    assert "oanvänt i 6 månader" in text
    assert "sparas i högst 1 dag." in text
    assert "Övningsomgång: 12 månader" in text


def test_the_privacy_notice_is_in_english_too(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("privacy")})
    html = re.sub(r"\s+", " ", client.get(reverse("privacy")).content.decode())
    assert '<html lang="en">' in html
    assert "deactivated and unused for 24 months" in html
    assert "is kept for no more than 30 days" in html
    assert "2019: 12 months" in html


@pytest.mark.parametrize("who", ["anonymous", "contact", "staff", "outsider"])
def test_every_role_reads_the_privacy_notice(client, who, contact, staff_user, outsider):
    user = {"contact": contact, "staff": staff_user, "outsider": outsider}.get(who)
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("privacy"))
    assert response.status_code == 200
    assert "Hur länge vi sparar dem" in response.content.decode()


def test_the_privacy_notice_costs_one_query_more_than_a_static_page(client, contact):
    """The plans of every round come in one query, however many rounds there are."""
    for n in range(5):
        RetentionPlan.objects.create(round=RoundFactory(), draft_months=n + 1)
    client.force_login(contact)
    client.get(reverse("accessibility"))  # the session settles
    with CaptureQueriesContext(connection) as static:
        assert client.get(reverse("accessibility")).status_code == 200
    with CaptureQueriesContext(connection) as privacy:
        assert client.get(reverse("privacy")).status_code == 200
    assert len(privacy) <= len(static) + 1 <= 5


@pytest.mark.postgres
def test_a_failed_purge_makes_the_command_fail_after_the_others(draft, old_attempt, postgres):
    from django.db import connection as db

    from records.tests.test_retention import FAIL_DRAFT_RECORDS

    with db.cursor() as cursor:
        cursor.execute(FAIL_DRAFT_RECORDS)
    out = StringIO()
    with (
        time_machine.travel(NOW, tick=False),
        pytest.raises(CommandError, match="1 purges failed"),
    ):
        call_command("retention", stdout=out)
    assert out.getvalue().endswith(": 1 purged (access_attempt 1).\n")
    assert draft.budget_lines.count() == 2
