"""Placeholder views; the real ones replace this module."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


part1 = part2 = part3 = review = submit = receipt = _missing
intervention_add = intervention_edit = intervention_delete = intervention_move = _missing
goal_add = goal_edit = goal_delete = goal_move = _missing
