"""The progress board of a round, and the staff area's entry point."""

import functools

from django.shortcuts import redirect, render
from django.utils import timezone

from portal.permissions import staff_required
from staff import fragments, selectors


@staff_required
def staff_home(request):
    """The staff area's entry point: the progress board of the newest active round."""
    from staff.selectors import round_default

    round_ = round_default()
    if round_ is None:
        return render(request, "staff/no_round.html")
    return redirect("staff:board", round_slug=round_.slug)


@staff_required
def board(request, round_slug):
    round_ = selectors.round_get_for_staff(slug=round_slug)
    mine = request.GET.get("mina") == "1"
    now = timezone.now()

    # The body is cached for every state of what it shows (staff.fragments.board_key): these
    # run only when it is rendered.
    @functools.cache
    def board_():
        return selectors.board_for_round(round_, now=now)

    @functools.cache
    def rows():
        rows = board_().rows
        return [row for row in rows if row.handlaggare == request.user] if mine else rows

    return render(
        request,
        "staff/board.html",
        {
            "round": round_,
            "board_key": fragments.board_key(round_, user=request.user if mine else None, now=now),
            "rounds": functools.cache(lambda: list(selectors.rounds_for_staff())),
            "board": board_,
            "rows": rows,
            "mine": mine,
            "damaged": functools.cache(lambda: list(selectors.damaged_documents(round_))),
            "delivery": functools.cache(lambda: selectors.delivery_problems(round_)),
        },
    )
