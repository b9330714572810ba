"""``portal.compiled.CompiledQuery``: the same rows as the queryset it was built from."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.compiled import CompiledQuery
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
