"""The progress board of a round, and the staff area's entry point."""

from django.shortcuts import redirect, render

from portal.permissions import staff_required
from staff import selectors


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
    board_ = selectors.board_for_round(round_)
    mine = request.GET.get("mina") == "1"
    rows = [row for row in board_.rows if row.handlaggare == request.user] if mine else board_.rows
    return render(
        request,
        "staff/board.html",
        {
            "round": round_,
            "rounds": list(selectors.rounds_for_staff()),
            "board": board_,
            "rows": rows,
            "mine": mine,
            "damaged": list(selectors.damaged_documents(round_)),
            "delivery": selectors.delivery_problems(round_),
        },
    )
