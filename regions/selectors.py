"""Reading regions, always scoped to what the user may see."""

from types import SimpleNamespace

from django.core import signing
from django.http import Http404
from django.utils.crypto import constant_time_compare

from portal.compiled import CompiledQuery
from regions.models import ContactPerson, Invitation, Region


def second_factor_passed(user) -> bool:
    """Has this sign-in of ``user`` been confirmed with the second factor?

    django_otp's middleware gives ``request.user`` an ``is_verified()``; a user object from
    anywhere else has not been through a sign-in and counts as not confirmed.
    """
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def regions_visible_to(user):
    """Regions ``user`` may see: all for staff, their own active region for a contact person.

    Staff see them only once the sign-in has passed the second factor, as in the staff area:
    with the password alone a handläggare sees no region at all.
    """
    qs = Region.objects.filter(active=True)
    if not user.is_authenticated:
        return qs.none()
    if user.is_handlaggare:
        return qs if second_factor_passed(user) else qs.none()
    return qs.filter(contact_persons__user_id=user.pk, contact_persons__active=True)


def compiled_viewer(*, user_id, staff: bool) -> SimpleNamespace:
    """A stand-in for the viewer when a query scoped by ``regions_visible_to`` is compiled once
    (``portal.compiled``): only the id and the role shape that query. Staff stand in as having
    passed the second factor, so callers of a compiled staff query check
    ``second_factor_passed`` on the real user first."""
    return SimpleNamespace(
        pk=user_id, is_authenticated=True, is_handlaggare=staff, is_verified=lambda: True
    )


def _region_query(*, staff: bool) -> CompiledQuery:
    def build(slug, user_id=None):
        viewer = compiled_viewer(user_id=user_id, staff=staff)
        return regions_visible_to(viewer).filter(slug=slug).order_by("pk")[:2]

    if staff:
        return CompiledQuery(build, slug=str)
    return CompiledQuery(build, slug=str, user_id=int)


#: ``region_get_for_user`` runs on every start page: compiled once (``portal.compiled``).
_REGION_QUERIES = {True: _region_query(staff=True), False: _region_query(staff=False)}


def region_get_for_user(*, user, slug: str) -> Region:
    """The region ``slug`` if ``user`` may see it; otherwise 404 (never reveal that it exists)."""
    if not user.is_authenticated:
        raise Http404
    staff = bool(user.is_handlaggare)
    if staff and not second_factor_passed(user):
        raise Http404
    viewer = {} if staff else {"user_id": user.pk}
    found = _REGION_QUERIES[staff].rows(slug=slug, **viewer)
    if len(found) != 1:
        raise Http404
    return found[0]


def contact_persons_active(*, region):
    return (
        ContactPerson.objects.filter(region=region, active=True, user__is_active=True)
        .select_related("user")
        .order_by("role", "user__full_name")
    )


_CONTACT_PERSONS_LISTED = CompiledQuery(
    lambda region_id: (
        ContactPerson.objects.filter(region_id=region_id, active=True, user__is_active=True)
        .select_related("user")
        .order_by("role", "user__full_name", "pk")
    ),
    region_id=int,
)


def contact_persons_listed(*, region) -> list[ContactPerson]:
    """``contact_persons_active(region=region)`` as a list (one compiled query: the region's
    start page lists them on every visit)."""
    return _CONTACT_PERSONS_LISTED.rows(region_id=region.pk)


class InvitationLinkInvalid(Exception):
    """The link was not made by the portal, was altered, or names no invitation."""


def invitation_get_by_token(*, token: str) -> Invitation:
    """The invitation a link names, whatever its state (the caller checks ``is_usable``).

    Raises ``InvitationLinkInvalid`` for a bad signature, an unknown invitation or a nonce that
    does not match (compared in constant time).
    """
    try:
        data = signing.loads(token, salt=Invitation.SIGNING_SALT)
        invitation_id, nonce = int(data["i"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvitationLinkInvalid from None
    invitation = (
        Invitation.objects.select_related("contact_person__user", "contact_person__region")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not constant_time_compare(nonce, invitation.nonce):
        raise InvitationLinkInvalid
    return invitation
