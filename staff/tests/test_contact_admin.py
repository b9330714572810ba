"""The contact-person admin (staff.admin) writes the same audit events as the staff area."""

import pytest

from inventories.models import AuditEvent
from regions.tests.factories import ContactPersonFactory
from regions.tests.test_admin import run_action
from staff.services import region_contact_deactivate

pytestmark = pytest.mark.django_db


def test_admin_deactivate_writes_the_same_audit_event_as_the_staff_area(
    staff_client, staff_user, register, django_capture_on_commit_callbacks
):
    person = register()
    run_action(staff_client, django_capture_on_commit_callbacks, "deactivate", person)
    person.refresh_from_db()
    assert not person.active
    from_admin = AuditEvent.objects.get(action=AuditEvent.Action.CONTACT_CHANGED)
    assert (from_admin.actor, from_admin.region) == (staff_user, person.region)
    assert from_admin.data == {"change": "deactivated", "contact_person": person.pk}

    # The same change made in the staff area is recorded identically.
    other = ContactPersonFactory(region=person.region)
    region_contact_deactivate(contact_person=other, actor=staff_user)
    from_staff = AuditEvent.objects.exclude(pk=from_admin.pk).get()
    assert (from_staff.action, from_staff.actor, from_staff.region) == (
        from_admin.action,
        from_admin.actor,
        from_admin.region,
    )
    assert from_staff.data == {"change": "deactivated", "contact_person": other.pk}
    assert from_admin.message == f"{person.user.full_name} inaktiverad"


def test_every_admin_action_on_contact_persons_is_audited(
    staff_client, register, django_capture_on_commit_callbacks
):
    person = register()
    for action in ("send_new_invitation", "deactivate", "reactivate"):
        run_action(staff_client, django_capture_on_commit_callbacks, action, person)
    changes = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.CONTACT_CHANGED)
        .order_by("id")
        .values_list("data__change", flat=True)
    )
    assert changes == ["invited", "deactivated", "reactivated"]
