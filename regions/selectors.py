"""Reading regions, always scoped to what the user may see."""

from django.http import Http404

from regions.models import ContactPerson, Region


def regions_visible_to(user):
    """Regions ``user`` may see: all for staff, their own active region for a contact person."""
    qs = Region.objects.filter(active=True)
    if not user.is_authenticated:
        return qs.none()
    if user.is_handlaggare:
        return qs
    return qs.filter(contact_persons__user=user, contact_persons__active=True)


def region_get_for_user(*, user, slug: str) -> Region:
    """The region ``slug`` if ``user`` may see it; otherwise 404 (never reveal that it exists)."""
    try:
        return regions_visible_to(user).get(slug=slug)
    except Region.DoesNotExist:
        raise Http404 from None


def contact_persons_active(*, region):
    return (
        ContactPerson.objects.filter(region=region, active=True, user__is_active=True)
        .select_related("user")
        .order_by("role", "user__full_name")
    )
