"""Deadline reminders: plan the ledger rows that are due, send each one once, extend a deadline.

The sweep (``reminders.tasks.reminders_sweep``, every five minutes from beat) does two things:

1. ``reminders_plan_due`` decides who is due what *now* and records it in the ledger
   (``Reminder``) in one transaction under the unique constraint (round, scope, step, recipient):
   a pending row for the region's current step, and a skipped row for every earlier step that
   never went out (catch-up sends only the most recent one). It reads everything it needs in a
   fixed number of queries, however many inventories there are.
2. ``reminders_send_due`` reads due rows in batches with what building them needs (a fixed
   number of queries per batch), then claims each row with
   ``select_for_update(skip_locked=True)``, one row per transaction, checks it still applies,
   sends it and records the outcome (two queries per sent row), all over one SMTP connection.
   The beat task instead queues the due rows in batches of ids (``reminders_due_batches``), each
   sent by a task of its own (``reminders_send_batch``, one SMTP connection per batch), so that
   several workers send at once. Ten sweeps or batches at once each get different rows, so each
   reminder leaves once. An SMTP failure is
   retried with exponential backoff (at most an hour apart); after ``MAX_ATTEMPTS`` the row shows
   as failed in the admin, and it is still retried until it is sent or its step is superseded.

``deadline_extend`` grants a region a new deadline: it records the extension, puts the notice to
the region in the ledger (keyed by the new deadline, so it goes once) and makes the remaining
reminders follow the new deadline.

The package, by concept:

- ``decision``: read what the decision needs in bulk, and decide who is due what (no database).
- ``ledger``: the ledger rows' keys and Message-IDs, and inserting them once.
- ``planning``: ``reminders_plan_due``.
- ``content``: check that a row still applies and build its e-mail.
- ``sending``: claim, deliver, retry (``reminders_send_due``, ``reminders_due_batches``,
  ``reminders_send_batch``, ``reminder_send``, ``reminders_sweep``, ``reminders_retry_failed``).
- ``preview``: the dry run (``reminders_preview``).
- ``extension``: ``deadline_extend``.
"""

from .content import TEMPLATES, regions_without_contact, round_open_regions
from .decision import CLOSED_STATUSES, LOOKBACK, REGION_KINDS, Due
from .extension import deadline_extend
from .ledger import reminder_message_id
from .planning import PlanResult, reminders_plan_due
from .preview import PreviewLine, reminders_preview
from .sending import (
    MAX_ATTEMPTS,
    RETRY_BASE,
    reminder_deliver,
    reminder_send,
    reminders_due_batches,
    reminders_retry_failed,
    reminders_send_batch,
    reminders_send_due,
    reminders_sweep,
)

__all__ = [
    "CLOSED_STATUSES",
    "LOOKBACK",
    "MAX_ATTEMPTS",
    "REGION_KINDS",
    "RETRY_BASE",
    "TEMPLATES",
    "Due",
    "PlanResult",
    "PreviewLine",
    "deadline_extend",
    "regions_without_contact",
    "reminder_deliver",
    "reminder_message_id",
    "reminder_send",
    "reminders_plan_due",
    "reminders_due_batches",
    "reminders_preview",
    "reminders_retry_failed",
    "reminders_send_batch",
    "reminders_send_due",
    "reminders_sweep",
    "round_open_regions",
]
