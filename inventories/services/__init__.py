"""Every way an inventory changes: one function per domain action (``grep "def inventory_"``)."""

from .audit import audit_record
from .inventory import inventory_open, inventory_submit
from .parts import (
    current_state_save,
    goal_create,
    goal_delete,
    goal_move,
    goal_update,
    intervention_create,
    intervention_delete,
    intervention_move,
    intervention_update,
    target_state_save,
)
from .registration import inventory_registration_number_assign, inventory_registration_number_set
from .review import inventory_accept, inventory_return_for_completion

__all__ = [
    "audit_record",
    "current_state_save",
    "goal_create",
    "goal_delete",
    "goal_move",
    "goal_update",
    "intervention_create",
    "intervention_delete",
    "intervention_move",
    "intervention_update",
    "inventory_accept",
    "inventory_open",
    "inventory_registration_number_assign",
    "inventory_registration_number_set",
    "inventory_return_for_completion",
    "inventory_submit",
    "target_state_save",
]
