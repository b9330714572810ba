"""The contact person's pages of the needs inventory: the three parts, review, submit, receipt.

Every view loads through ``inventory_find`` (scoped to the user's region: another region is a
404), lets staff read everything and change nothing, calls one service per change and turns its
errors into messages next to the fields. ``InventoryLocked`` makes a page read-only with its
reason; ``EditConflict`` re-renders with HTTP 409, the user's input kept and what is now saved
shown beside it.
"""

from inventories.views.items import (
    goal_add,
    goal_delete,
    goal_edit,
    goal_move,
    intervention_add,
    intervention_delete,
    intervention_edit,
    intervention_move,
)
from inventories.views.parts import part1, part2, part3
from inventories.views.submission import receipt, review, submit

__all__ = [
    "goal_add",
    "goal_delete",
    "goal_edit",
    "goal_move",
    "intervention_add",
    "intervention_delete",
    "intervention_edit",
    "intervention_move",
    "part1",
    "part2",
    "part3",
    "receipt",
    "review",
    "submit",
]
