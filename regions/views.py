from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from regions.selectors import contact_persons_active, region_get_for_user


@login_required
def region_start(request, slug):
    """The region's start page: who speaks for the region and its inventories."""
    region = region_get_for_user(user=request.user, slug=slug)
    return render(
        request,
        "regions/start.html",
        {"region": region, "contact_persons": contact_persons_active(region=region)},
    )
