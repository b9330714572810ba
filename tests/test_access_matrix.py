"""Every role against every URL: the URL patterns come from the resolver, so a new URL without an
expectation here fails ``test_every_url_pattern_has_an_expectation``.

Roles: anonymous, a signed-in user with no role, the contact person of another region (for this
region's objects), the region's own contact person, a user with Django's staff flag and every
staff permission but outside the Handläggare group, a handläggare signed in with the password
only (no second factor yet), a handläggare, a handläggare holding every permission that exists
(beyond the group's), and a superuser.

The admin's URLs are Django's, generated per registered model: each registered model must say
here what a handläggare may do with it (``ADMIN_MODELS``), so a newly registered model fails
until someone decides.
"""

import dataclasses
import hashlib
from collections.abc import Callable
from pprint import pformat

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from inventories.models import Attachment, AuditEvent, Inventory, InventoryVersion
from inventories.services.attachments import attachment_upload
from inventories.services.review import inventory_return_for_completion
from inventories.tests.factories import round_2019
from inventories.tests.pages import IN_ROUND
from records.models import ArchivalPackage
from regions.models import ContactPerson, Invitation
from regions.services import invitation_create, invitation_token
from regions.tests.factories import ContactPersonFactory, StaffUserFactory, UserFactory
from staff.models import SynthesisReport
from staff.tests.review_helpers import store_pdf, submitted_inventory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "outsider",
    "contact_other_region",
    "contact_own_region",
    "staff_flag_without_group",
    "handlaggare_without_second_factor",
    "handlaggare",
    "handlaggare_with_every_permission",
    "superuser",
]
STAFF_ROLES = {"handlaggare", "handlaggare_with_every_permission", "superuser"}

# Outcomes: a status code, or where a redirect goes.
LOGIN = "→ sign in"
SECOND_FACTOR = "→ second factor"
ADMIN_LOGIN = "→ admin sign in"
REDIRECT = "→ elsewhere"
STREAM = "200 (file)"

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


@dataclasses.dataclass(frozen=True)
class Expect:
    """What a GET answers each role; ``ok`` for the roles ``allowed`` names."""

    ok: object
    denied: dict[str, object]
    allowed: frozenset[str]

    def for_role(self, role):
        return self.ok if role in self.allowed else self.denied[role]


def staff_only(ok=200):
    """The staff area: 404 for everyone outside the group (it is not revealed)."""
    return Expect(
        ok=ok,
        allowed=frozenset(STAFF_ROLES),
        denied={
            "anonymous": LOGIN,
            "outsider": 404,
            "contact_other_region": 404,
            "contact_own_region": 404,
            "staff_flag_without_group": 404,
            "handlaggare_without_second_factor": SECOND_FACTOR,
        },
    )


def region_page(ok=200, *, staff_ok=None):
    """A region's inventory pages: its own contact person, and staff (reading)."""
    return Expect(
        ok=ok,
        allowed=frozenset({"contact_own_region", *STAFF_ROLES}),
        denied={
            "anonymous": LOGIN,
            "outsider": 404,
            "contact_other_region": 404,
            "staff_flag_without_group": 404,
            "handlaggare_without_second_factor": SECOND_FACTOR,
        },
    )


def everyone(ok=200, **per_role):
    return Expect(
        ok=ok,
        allowed=frozenset(role for role in ROLES if role not in per_role),
        denied=per_role,
    )


def signed_in(ok=200, **per_role):
    return everyone(ok, anonymous=LOGIN, **per_role)


#: Every named URL outside the admin → what each role gets on GET.
EXPECTED: dict[str, Expect] = {
    # Public pages and the account pages.
    "home": everyone(
        REDIRECT,
        anonymous=LOGIN,
        outsider=403,
        staff_flag_without_group=403,
    ),
    "healthz": everyone(200),
    "accessibility": everyone(200),
    "privacy": everyone(200),
    "session_extend": everyone(405),
    "set_language": everyone(405),
    "login": everyone(REDIRECT, anonymous=200),  # a signed-in user is sent on
    "logout": everyone(405),
    # Who has no second factor to confirm is sent on; staff without an app are sent to enrol.
    "second_factor_verify": signed_in(REDIRECT),
    "second_factor_enrol": signed_in(
        REDIRECT,
        outsider=404,
        contact_other_region=404,
        contact_own_region=404,
        staff_flag_without_group=404,
        handlaggare_without_second_factor=200,
    ),
    "second_factor_backup_codes": signed_in(REDIRECT),
    "password_reset": everyone(200),
    "password_reset_done": everyone(200),
    # The link's own user signed in since it was made: that changed the token, the link is dead.
    "password_reset_confirm": everyone(REDIRECT, contact_own_region=200),
    "password_reset_complete": everyone(200),
    "password_change": signed_in(200, handlaggare_without_second_factor=SECOND_FACTOR),
    "password_change_done": signed_in(200),
    "regions:invitation_request": everyone(200),
    "regions:invitation_accept": everyone(200),
    # The contact person's pages of the region's inventory.
    "inventories:start": region_page(),
    "inventories:about": region_page(),
    "inventories:part1": region_page(),
    "inventories:part2": region_page(),
    "inventories:intervention_add": region_page(),
    "inventories:intervention_edit": region_page(),
    "inventories:intervention_delete": region_page(),
    "inventories:intervention_move": region_page(REDIRECT),
    "inventories:part3": region_page(),
    "inventories:goal_add": region_page(),
    "inventories:goal_edit": region_page(),
    "inventories:goal_delete": region_page(),
    "inventories:goal_move": region_page(REDIRECT),
    "inventories:attachments": region_page(),
    "inventories:attachment_download": region_page(STREAM),
    "inventories:attachment_delete": region_page(REDIRECT),
    "inventories:dialogue": region_page(),
    "inventories:review": region_page(),
    "inventories:submit": region_page(REDIRECT),
    "inventories:receipt": region_page(),
    "inventories:version_pdf": region_page(STREAM),
    # The staff area.
    "staff:home": staff_only(REDIRECT),
    "staff:board": staff_only(),
    "staff:synthesis": staff_only(),
    "staff:synthesis_interventions": staff_only(),
    "staff:synthesis_goals": staff_only(),
    "staff:synthesis_chart": staff_only(),
    "staff:synthesis_search": staff_only(),
    "staff:synthesis_compare": staff_only(),
    "staff:synthesis_reports": staff_only(),
    "staff:synthesis_report": staff_only(),
    "staff:synthesis_report_status": staff_only(),
    "staff:synthesis_report_download": staff_only(STREAM),
    "staff:export_xlsx": staff_only(STREAM),
    "staff:export_csv": staff_only(STREAM),
    "staff:export_csv_zip": staff_only(STREAM),
    "staff:export_pdf_zip": staff_only(STREAM),
    "staff:inventory": staff_only(),
    "staff:accept": staff_only(),
    "staff:return": staff_only(),
    "staff:extend": staff_only(),
    "staff:note_add": staff_only(405),
    "staff:assign": staff_only(405),
    "staff:registration_number": staff_only(),
    "staff:audit": staff_only(),
    "staff:dialogue": staff_only(),
    "staff:item_status": staff_only(405),
    "staff:version": staff_only(),
    "staff:contacts": staff_only(),
    "staff:contact_deactivate": staff_only(),
    "staff:contact_replace": staff_only(),
    "staff:contact_invite": staff_only(405),
    "records:archival_packages": staff_only(),
    "records:archival_package_download": staff_only(STREAM),
}

#: Every model registered in the admin → what may be done there: "v" view (list, change form,
#: history), "a" add, "d" delete; for a handläggare (the group's permissions), for a handläggare
#: who was also granted every permission that exists (what a grant can open beyond the group:
#: the portal's own refusals hold against any grant), and for a superuser. Nobody outside the
#: group (or without the second factor) gets past the admin's sign-in.
ADMIN_MODELS: dict[str, tuple[str, str, str]] = {
    # label: (handläggare, handläggare + every permission, superuser)
    "auth.group": ("", "vad", "vad"),
    "axes.accessattempt": ("", "vd", "vd"),
    "axes.accesslog": ("", "vd", "vd"),
    "axes.accessfailurelog": ("", "vd", "vd"),
    "otp_totp.totpdevice": ("", "vad", "vad"),
    "otp_static.staticdevice": ("", "vad", "vad"),
    "admin.logentry": ("", "", "v"),
    "portal.user": ("v", "v", "vad"),
    "portal.outboxmessage": ("v", "v", "v"),
    "regions.region": ("v", "vad", "vad"),
    "regions.contactperson": ("va", "vad", "vad"),
    "regions.invitation": ("v", "v", "v"),
    "inventories.round": ("va", "vad", "vad"),
    "inventories.inventory": ("v", "v", "v"),
    "inventories.inventoryversion": ("v", "v", "v"),
    "inventories.versiondocument": ("v", "v", "v"),
    "inventories.attachment": ("v", "v", "v"),
    "inventories.auditevent": ("v", "v", "v"),
    "reminders.reminder": ("v", "v", "v"),
    "records.retentionplan": ("v", "vad", "vad"),
    "records.purgerecord": ("v", "v", "v"),
}

#: The admin's own pages (not per model) → what a handläggare gets on GET.
ADMIN_SITE_PAGES = {
    "admin:index": 200,
    "admin:login": REDIRECT,
    "admin:logout": 405,
    "admin:password_change": 200,
    "admin:password_change_done": 200,
    "admin:jsi18n": 200,
    "admin:autocomplete": 403,
    "admin:view_on_site": 404,
    "admin:app_list": 200,
    # Another account's password: superusers only (portal.admin.UserAdmin).
    "admin:auth_user_password_change": 403,
}


def url_patterns(patterns=None, namespace=None):
    """(qualified name, pattern) of every URL pattern the resolver knows, recursively."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from url_patterns(entry.url_patterns, inner)
        else:
            assert isinstance(entry, URLPattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, entry


def admin_model_names(label):
    """The admin's URL names for one registered model (Django's and any the ModelAdmin adds)."""
    app_label, model_name = label.split(".")
    prefix = f"admin:{app_label}_{model_name}_"
    return {name for name, _p in url_patterns() if name and name.startswith(prefix)}


# --- The objects every URL names ----------------------------------------------------------------


@pytest.fixture
def world(region, other_region, staff_user):
    """Skåne's inventory (submitted, a PDF, returned for completion so it can be edited again),
    an attachment, a synthesis report, an archival package, an invitation and a reset link."""
    contact = ContactPersonFactory(region=region).user
    other = ContactPersonFactory(region=other_region).user
    inventory, version = submitted_inventory(region=region, user=contact)
    store_pdf(version)
    with time_machine.travel(IN_ROUND, tick=False):
        inventory_return_for_completion(inventory=inventory, actor=staff_user, message="Mer.")
        attachment = attachment_upload(
            inventory=inventory,
            user=contact,
            uploaded_file=SimpleUploadedFile("strategi.pdf", PDF),
            kind="strategy",
        )
    Attachment.objects.filter(pk=attachment.pk).update(status=Attachment.Status.CLEAN)
    # A finished report (stored as the rendering stores it; its rendering is tested elsewhere).
    report = SynthesisReport(
        round=inventory.round,
        requested_by=staff_user,
        status=SynthesisReport.Status.READY,
        progress=100,
        sha256=hashlib.sha256(PDF).hexdigest(),
        size=len(PDF),
        finished_at=timezone.now(),
    )
    report.file.save("synthesis-reports/test.pdf", ContentFile(PDF), save=False)
    report.save()
    assert report.is_ready
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
    newcomer = ContactPersonFactory(region=region, user__password=None)
    newcomer.user.set_unusable_password()
    newcomer.user.save()
    invitation = invitation_create(contact_person=newcomer, created_by=staff_user)
    inventory.refresh_from_db()
    regions = {"region_slug": region.slug, "round_slug": "2019"}
    item = inventory.interventions.order_by("position").first()
    goal = inventory.goals.order_by("position").first()
    return {
        "contact": contact,
        "other_contact": other,
        "inventory": inventory,
        "kwargs": {
            "inventories:start": {"slug": region.slug},
            "inventories:intervention_edit": {**regions, "pk": item.pk},
            "inventories:intervention_delete": {**regions, "pk": item.pk},
            "inventories:intervention_move": {**regions, "pk": item.pk},
            "inventories:goal_edit": {**regions, "pk": goal.pk},
            "inventories:goal_delete": {**regions, "pk": goal.pk},
            "inventories:goal_move": {**regions, "pk": goal.pk},
            "inventories:attachment_download": {**regions, "pk": attachment.pk},
            "inventories:attachment_delete": {**regions, "pk": attachment.pk},
            "inventories:receipt": {**regions, "number": version.number},
            "inventories:version_pdf": {**regions, "number": version.number},
            "regions:invitation_accept": {"token": invitation_token(invitation)},
            "password_reset_confirm": {
                "uidb64": urlsafe_base64_encode(force_bytes(contact.pk)),
                "token": default_token_generator.make_token(contact),
            },
            "records:archival_package_download": {"round_slug": "2019", "pk": package.pk},
        },
        "values": {
            **regions,
            "number": version.number,
            "pk": ContactPerson.objects.get(user=contact).pk,
            "chart": "programar",
            "report_id": report.pk,
        },
    }


def url_of(world, name, pattern):
    kwargs = world["kwargs"].get(name)
    if kwargs is None:
        kwargs = {key: world["values"][key] for key in pattern.pattern.converters}
    return reverse(name, kwargs=kwargs)


def user_for(role, world):
    if role == "anonymous":
        return None
    if role == "outsider":
        return UserFactory()
    if role == "contact_other_region":
        return world["other_contact"]
    if role == "contact_own_region":
        return world["contact"]
    if role == "staff_flag_without_group":
        user = UserFactory(is_staff=True)
        user.user_permissions.set(Permission.objects.all())
        return user
    if role == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    user = StaffUserFactory()
    if role == "handlaggare_with_every_permission":
        user.user_permissions.set(Permission.objects.all())
    return user


def sign_in(client, role, world):
    user = user_for(role, world)
    if user is not None:
        client.force_login(user, second_factor=role != "handlaggare_without_second_factor")
    return user


def outcome(response):
    """What a user would notice: the status, or where a redirect sends them."""
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("login") + "?"):
            return LOGIN
        if location.startswith(reverse("second_factor_verify") + "?"):
            return SECOND_FACTOR
        return REDIRECT
    if response.status_code == 200 and getattr(response, "streaming", False):
        return STREAM
    if response.status_code == 200 and response.get("Content-Disposition", "").startswith(
        "attachment"
    ):
        return STREAM
    return response.status_code


def state():
    """What no refused request may change."""
    inventory = Inventory.objects.get(region__code="12")
    return {
        "inventory": (inventory.status, inventory.registration_number),
        "versions": InventoryVersion.objects.count(),
        "audit": AuditEvent.objects.count(),
        "attachments": Attachment.objects.count(),
        "contacts": list(ContactPerson.objects.order_by("pk").values_list("pk", "active")),
        "invitations": Invitation.objects.filter(revoked_at__isnull=True).count(),
        "reports": SynthesisReport.objects.count(),
        "packages": ArchivalPackage.objects.count(),
        "items": (inventory.interventions.count(), inventory.goals.count()),
    }


# --- The tests ------------------------------------------------------------------------------


def test_every_url_pattern_has_an_expectation():
    names = {name for name, _pattern in url_patterns()}
    unnamed = [pattern for name, pattern in url_patterns() if name is None]
    # The admin's own unnamed patterns only: its redirect from an object's bare URL, its
    # catch-all.
    assert all(str(p.pattern).startswith(("<path:object_id>/", "(?P<url>.*)$")) for p in unnamed)
    admin_names = {name for name in names if name and name.startswith("admin:")}
    others = names - admin_names - {None}
    assert others - set(EXPECTED) == set(), "URLs without an expectation in EXPECTED"
    assert set(EXPECTED) - others == set(), "expectations for URLs that no longer exist"

    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_MODELS), "admin models without a decision in ADMIN_MODELS"
    per_model = set().union(*(admin_model_names(label) for label in registered))
    assert admin_names - per_model == set(ADMIN_SITE_PAGES), "admin pages without an expectation"
    # The pages of the last round are in the matrix.
    for name in (
        "records:archival_packages",
        "records:archival_package_download",
        "privacy",
        "staff:synthesis_reports",
        "staff:synthesis_report_status",
        "staff:synthesis_compare",
        "staff:dialogue",
        "inventories:dialogue",
        "inventories:attachments",
        "inventories:attachment_download",
    ):
        assert name in EXPECTED


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_what_it_should_on_every_url(client, world, role):
    sign_in(client, role, world)
    found, expected = {}, {}
    with time_machine.travel(IN_ROUND, tick=False):
        for name, pattern in url_patterns():
            if name is None or name.startswith("admin:"):
                continue
            response = client.get(url_of(world, name, pattern))
            found[name] = outcome(response)
            expected[name] = EXPECTED[name].for_role(role)
    wrong = {n: (found[n], expected[n]) for n in found if found[n] != expected[n]}
    assert not wrong, f"{role} (found, expected): {pformat(wrong)}"


@pytest.mark.parametrize("role", ROLES)
def test_a_post_from_a_refused_role_is_refused_and_changes_nothing(client, world, role):
    sign_in(client, role, world)
    before = state()
    with time_machine.travel(IN_ROUND, tick=False):
        for name, pattern in url_patterns():
            if name is None or name.startswith("admin:") or role in EXPECTED[name].allowed:
                continue
            refused = EXPECTED[name].for_role(role)
            response = client.post(url_of(world, name, pattern), {"confirm": "on"})
            assert outcome(response) in (refused, 405), (name, outcome(response))
    assert state() == before


ADMIN_VIEWS: dict[str, Callable] = {
    "changelist": lambda label, pk: reverse(f"admin:{label.replace('.', '_')}_changelist"),
    "add": lambda label, pk: reverse(f"admin:{label.replace('.', '_')}_add"),
    "change": lambda label, pk: reverse(f"admin:{label.replace('.', '_')}_change", args=[pk]),
    "delete": lambda label, pk: reverse(f"admin:{label.replace('.', '_')}_delete", args=[pk]),
    "history": lambda label, pk: reverse(f"admin:{label.replace('.', '_')}_history", args=[pk]),
}


def admin_object_pk(label, world):
    """A row of the model that every role may be shown (a contact person's account for users)."""
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    if label == "portal.user":
        return world["contact"].pk
    row = model._default_manager.order_by("pk").first()
    return row.pk if row is not None else None


def admin_expected(role, label, view):
    if role == "handlaggare_without_second_factor":
        return ADMIN_LOGIN  # which sends them on to the second factor (staff/tests/test_access)
    if role not in STAFF_ROLES:
        return ADMIN_LOGIN
    column = ["handlaggare", "handlaggare_with_every_permission", "superuser"].index(role)
    allowed = ADMIN_MODELS[label][column]
    letter = {"changelist": "v", "change": "v", "history": "v", "add": "a", "delete": "d"}[view]
    return 200 if letter in allowed else 403


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_what_it_should_in_the_admin(client, world, role):
    sign_in(client, role, world)
    found, expected = {}, {}
    for label in sorted(ADMIN_MODELS):
        pk = admin_object_pk(label, world)
        for view, make in ADMIN_VIEWS.items():
            if view in ("change", "delete", "history") and pk is None:
                continue
            url = make(label, pk)
            found[(label, view)] = outcome(client.get(url))
            expected[(label, view)] = admin_expected(role, label, view)
    for name, answer in ADMIN_SITE_PAGES.items():
        if name in ("admin:view_on_site", "admin:autocomplete"):
            continue  # need a model's context: Django's own, not the portal's
        args = {
            "admin:app_list": ["regions"],
            "admin:auth_user_password_change": [world["contact"].pk],
        }.get(name, [])
        found[name] = outcome(client.get(reverse(name, args=args)))
        if name in ("admin:login", "admin:logout") and role not in STAFF_ROLES:
            expected[name] = {"admin:login": 200, "admin:logout": REDIRECT}[name]
            if role == "handlaggare_without_second_factor" and name == "admin:login":
                expected[name] = SECOND_FACTOR
        elif role == "superuser":
            expected[name] = 200 if name == "admin:auth_user_password_change" else answer
        elif role in STAFF_ROLES:
            expected[name] = answer
        else:
            expected[name] = admin_expected(role, "portal.user", "changelist")
    wrong = {k: (found[k], expected[k]) for k in found if found[k] != expected[k]}
    assert not wrong, f"{role} (found, expected): {pformat(wrong)}"
