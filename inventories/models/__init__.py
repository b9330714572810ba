from .attachments import Attachment, FrozenAttachmentError
from .audit import AuditEvent, ImmutableAuditEventError
from .dialogue import DIALOGUE_TEXT_MAX, CompletionItem, CompletionRequest, ThreadMessage
from .documents import VersionDocument
from .inventory import (
    ActivityArea,
    BudgetLine,
    CurrentState,
    Dimension,
    Effect,
    FollowUp,
    Goal,
    Intervention,
    InterventionYear,
    Inventory,
    Priority,
    TargetState,
)
from .rounds import FieldGuidance, Milestone, Round
from .versions import ImmutableVersionError, InventoryVersion

__all__ = [
    "ActivityArea",
    "Attachment",
    "AuditEvent",
    "BudgetLine",
    "CompletionItem",
    "CompletionRequest",
    "DIALOGUE_TEXT_MAX",
    "CurrentState",
    "Dimension",
    "Effect",
    "FieldGuidance",
    "FrozenAttachmentError",
    "FollowUp",
    "Goal",
    "ImmutableAuditEventError",
    "ImmutableVersionError",
    "Intervention",
    "InterventionYear",
    "Inventory",
    "InventoryVersion",
    "Milestone",
    "Priority",
    "Round",
    "TargetState",
    "ThreadMessage",
    "VersionDocument",
]
