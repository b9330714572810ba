from .audit import AuditEvent, ImmutableAuditEventError
from .documents import VersionDocument
from .inventory import (
    ActivityArea,
    BudgetLine,
    CurrentState,
    Dimension,
    Goal,
    Intervention,
    Inventory,
    TargetState,
)
from .rounds import Milestone, Round
from .versions import ImmutableVersionError, InventoryVersion

__all__ = [
    "ActivityArea",
    "AuditEvent",
    "BudgetLine",
    "CurrentState",
    "Dimension",
    "Goal",
    "ImmutableAuditEventError",
    "ImmutableVersionError",
    "Intervention",
    "Inventory",
    "InventoryVersion",
    "Milestone",
    "Round",
    "TargetState",
    "VersionDocument",
]
