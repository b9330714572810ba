"""``portal.compiled``: the same rows, and the same changes, as the querysets compiled."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from portal.compiled import CompiledQuery, CompiledUpdate
from portal.models import User

pytestmark = pytest.mark.django_db


def _permissions(codename, app_label):
    return (
        Permission.objects.filter(codename=codename, content_type__app_label=app_label)
        .select_related("content_type")
        .order_by("pk")
    )


def test_rows_are_the_querysets_rows_with_their_related_objects():
    query = CompiledQuery(_permissions, codename=str, app_label=str)
    for codename, app_label in [("add_user", "portal"), ("change_group", "auth")]:
        expected = list(_permissions(codename, app_label))
        assert expected, "the permissions of the installed apps exist"
        with CaptureQueriesContext(connection) as queries:
            found = query.rows(codename=codename, app_label=app_label)
            # The related object came with the row: no further query.
            labels = [(p.pk, p.codename, p.content_type.app_label) for p in found]
        assert len(queries) == 1
        assert labels == [(p.pk, p.codename, p.content_type.app_label) for p in expected]
        assert found[0]._state.db == "default" and not found[0]._state.adding


def test_values_are_parameters_never_sql():
    User.objects.create_user(email="anna@example.se", password="x" * 12, full_name="Anna")
    query = CompiledQuery(
        lambda email, pk: User.objects.filter(email=email, pk__gt=pk, is_active=True),
        email=str,
        pk=int,
    )
    assert query.first(email="anna@example.se", pk=0).full_name == "Anna"
    assert query.first(email="anna@example.se", pk=10**9) is None
    assert query.rows(email="' OR '1'='1", pk=0) == []
    # Values converted from the database (booleans, datetimes) are as the ORM gives them.
    user = query.first(email="anna@example.se", pk=0)
    assert user.is_active is True
    assert user.date_joined == User.objects.get(pk=user.pk).date_joined


def test_annotations_and_deferred_fields_are_as_the_querysets():
    from django.contrib.auth.models import Group
    from django.db.models import Count, Exists, OuterRef

    anna = User.objects.create_user(email="anna@example.se", password="x" * 12, full_name="Anna")
    staff = Group.objects.create(name="Personal")
    anna.groups.add(staff)
    User.objects.create_user(email="bo@example.se", password="x" * 12, full_name="Bo")

    def build(first):
        return (
            User.objects.filter(pk__gte=first)
            .annotate(
                in_staff=Exists(Group.objects.filter(user=OuterRef("pk"), name="Personal")),
                groups_count=Count("groups"),
            )
            .defer("password", "full_name")
            .order_by("email")
        )

    query = CompiledQuery(build, first=int)
    expected = list(build(anna.pk))
    found = query.rows(first=anna.pk)
    assert (
        [(u.pk, u.in_staff, u.groups_count) for u in found]
        == [(u.pk, u.in_staff, u.groups_count) for u in expected]
        == [(anna.pk, True, 1), (found[1].pk, False, 0)]
    )
    # The deferred fields are left out as the queryset leaves them: loaded on first use.
    assert (
        found[0].get_deferred_fields()
        == expected[0].get_deferred_fields()
        == {
            "password",
            "full_name",
        }
    )
    with CaptureQueriesContext(connection) as queries:
        assert found[0].full_name == "Anna"
    assert len(queries) == 1


def test_wrong_or_missing_values_are_refused():
    query = CompiledQuery(lambda pk: User.objects.filter(pk=pk), pk=int)
    with pytest.raises(TypeError):
        query.rows(pk="1")
    with pytest.raises(TypeError):
        query.rows()


def test_a_value_the_query_does_not_use_or_changes_is_refused():
    unused = CompiledQuery(lambda pk, email: User.objects.filter(pk=pk), pk=int, email=str)
    with pytest.raises(ValueError, match="does not use"):
        unused.rows(pk=1, email="a")
    changed = CompiledQuery(lambda email: User.objects.filter(email__contains=email), email=str)
    with pytest.raises(ValueError, match="changed inside"):
        changed.rows(email="a")
    prefetching = CompiledQuery(
        lambda pk: User.objects.filter(pk=pk).prefetch_related("groups"), pk=int
    )
    with pytest.raises(ValueError, match="prefetch"):
        prefetching.rows(pk=1)


def _sign_in(pk, email, at):
    return (
        User.objects.filter(pk=pk, email=email, is_active=True),
        {"last_login": at, "full_name": F("email")},
    )


def test_an_update_changes_what_the_querysets_update_changes():
    anna = User.objects.create_user(email="anna@example.se", password="x" * 12, full_name="A")
    bo = User.objects.create_user(email="bo@example.se", password="x" * 12, full_name="B")
    at = datetime.datetime(2031, 3, 3, 7, 0, 0, 123456, tzinfo=datetime.UTC)
    update = CompiledUpdate(_sign_in, pk=int, email=str, at=datetime.datetime)
    with CaptureQueriesContext(connection) as queries:
        assert update.run(pk=anna.pk, email="anna@example.se", at=at) == 1
    assert len(queries) == 1
    # A value is a parameter: a row that does not match is left alone.
    assert update.run(pk=bo.pk, email="' OR '1'='1", at=at) == 0
    queryset, changes = _sign_in(bo.pk, "bo@example.se", at + datetime.timedelta(days=1))
    assert queryset.update(**changes) == 1
    anna.refresh_from_db()
    bo.refresh_from_db()
    assert (anna.last_login, anna.full_name) == (at, "anna@example.se")
    assert (bo.last_login, bo.full_name) == (at + datetime.timedelta(days=1), "bo@example.se")


def test_an_update_refuses_naive_or_missing_values():
    update = CompiledUpdate(_sign_in, pk=int, email=str, at=datetime.datetime)
    with pytest.raises(TypeError, match="aware"):
        update.run(pk=1, email="a", at=datetime.datetime(2031, 3, 3))  # noqa: DTZ001 - naive on purpose
    with pytest.raises(TypeError):
        update.run(pk=1, email="a")
    unused = CompiledUpdate(
        lambda pk, at: (User.objects.filter(pk=pk), {"full_name": "x"}),
        pk=int,
        at=datetime.datetime,
    )
    with pytest.raises(ValueError, match="does not use"):
        unused.run(pk=1, at=datetime.datetime(2031, 3, 3, tzinfo=datetime.UTC))


# --- prepared statements (PostgreSQL) ----------------------------------------------------------


def test_placeholders_are_numbered_for_prepare_and_a_literal_percent_stays():
    from portal.compiled import _numbered

    assert _numbered('SELECT 1 WHERE "a" = %s AND "b" LIKE \'x%%\' LIMIT %s') == (
        'SELECT 1 WHERE "a" = $1 AND "b" LIKE \'x%%\' LIMIT $2',
        2,
    )
    assert _numbered("SELECT 1") == ("SELECT 1", 0)
    with pytest.raises(ValueError):
        _numbered("SELECT 5 % 2")


def _users_by_email():
    return CompiledQuery(
        lambda email, pk: User.objects.filter(email=email, pk__gte=pk).order_by("pk"),
        email=str,
        pk=int,
    )


def _prepared_statements() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, generic_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


@pytest.mark.postgres
def test_on_postgresql_a_query_is_prepared_once_per_connection_and_planned_once(postgres):
    anna = User.objects.create_user(email="anna@example.se", password="x" * 12)
    query = _users_by_email()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(8):
            assert [u.pk for u in query.rows(email="anna@example.se", pk=0)] == [anna.pk]
    statements = [q["sql"] for q in queries.captured_queries]
    assert statements[0].startswith("PREPARE portal_compiled_")
    assert all(s.startswith("EXECUTE portal_compiled_") for s in statements[1:])
    # The table it reads is named beside the EXECUTE (logs, and tests counting a table's queries).
    assert all('"portal_user"' in s for s in statements)
    name = statements[1].split()[1].split("(")[0]
    # After PostgreSQL's five custom plans it runs the generic plan: no planning per call.
    assert _prepared_statements()[name] >= 1


@pytest.mark.postgres
def test_a_call_that_failed_after_preparing_leaves_the_next_call_working(postgres):
    from django.db import DataError, transaction

    anna = User.objects.create_user(email="anna@example.se", password="x" * 12)
    query = _users_by_email()
    # The id is out of a bigint's range: PREPARE succeeds and EXECUTE fails, in a transaction
    # that is rolled back (a prepared statement outlives it).
    with pytest.raises(DataError), transaction.atomic():
        query.rows(email="anna@example.se", pk=2**70)
    assert [u.pk for u in query.rows(email="anna@example.se", pk=0)] == [anna.pk]
    assert [u.pk for u in query.rows(email="anna@example.se", pk=0)] == [anna.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again(postgres):
    anna = User.objects.create_user(email="anna@example.se", password="x" * 12)
    query = _users_by_email()
    query.rows(email="anna@example.se", pk=0)
    connection.close()
    with CaptureQueriesContext(connection) as queries:
        assert [u.pk for u in query.rows(email="anna@example.se", pk=0)] == [anna.pk]
    assert queries.captured_queries[0]["sql"].startswith("PREPARE ")


@pytest.mark.postgres
def test_without_prepared_statements_the_sql_is_sent_as_it_is(postgres, settings):
    settings.PREPARED_STATEMENTS = False
    anna = User.objects.create_user(email="anna@example.se", password="x" * 12)
    with CaptureQueriesContext(connection) as queries:
        assert [u.pk for u in _users_by_email().rows(email="anna@example.se", pk=0)] == [anna.pk]
    assert queries.captured_queries[0]["sql"].startswith("SELECT ")


@pytest.mark.postgres
def test_a_prepared_update_counts_the_rows_it_changed(postgres):
    anna = User.objects.create_user(email="anna@example.se", password="x" * 12, full_name="A")
    rename = CompiledUpdate(
        lambda pk, name: (User.objects.filter(pk=pk), {"full_name": name}), pk=int, name=str
    )
    with CaptureQueriesContext(connection) as queries:
        assert rename.run(pk=anna.pk, name="Anna") == 1  # PREPARE …; EXECUTE …
        assert rename.run(pk=anna.pk, name="Anna Berg") == 1  # EXECUTE
        assert rename.run(pk=anna.pk + 1000, name="Ingen") == 0
    assert [q["sql"].split()[0] for q in queries.captured_queries] == [
        "PREPARE",
        "EXECUTE",
        "EXECUTE",
    ]
    anna.refresh_from_db()
    assert anna.full_name == "Anna Berg"
