"""The privacy notice: it lists the retention periods of the plans, so it lives with them."""

from django.shortcuts import render
from django.utils import timezone

from records.retention import global_periods, rounds_with_periods


def privacy_notice(request):
    """Public: which personal data, why, and how long (the periods of the current plans)."""
    rounds = rounds_with_periods()
    now = timezone.now()
    return render(
        request,
        "records/privacy.html",
        {
            "retention": global_periods(periods for _round, periods in rounds),
            "retention_rounds": [
                (round_, periods) for round_, periods in rounds if round_.opens_at <= now
            ],
        },
    )
