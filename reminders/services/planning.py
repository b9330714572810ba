"""Planning: writing the ledger rows that are due (``reminders_plan_due``)."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reminders.models import Reminder

from .decision import decide, read_state
from .ledger import existing_keys, ledger_insert, ledger_row, mail_domain


@dataclass
class PlanResult:
    pending: int = 0
    skipped: int = 0

    @property
    def rows(self) -> int:
        return self.pending + self.skipped


def _rows_for(due_list, *, now, existing_earlier) -> list[Reminder]:
    domain = mail_domain()
    notes = {}
    rows = []
    for due in due_list:
        common = {
            "round_id": due.round.pk,
            "region_id": due.region_id,
            "scope": due.scope,
            "recipient": due.recipient,
            "user_id": due.user_id,
            "deadline": due.deadline,
            "now": now,
            "domain": domain,
        }
        rows.append(ledger_row(step=due.step, status=Reminder.Status.PENDING, **common))
        if due.step.key not in notes:
            notes[due.step.key] = _(
                "Ersatt av ett senare steg (%(step)s) innan den hann skickas."
            ) % {"step": due.step.key}
        for step, key in zip(due.earlier, due.earlier_keys(), strict=True):
            if key not in existing_earlier:
                rows.append(
                    ledger_row(
                        step=step,
                        status=Reminder.Status.SKIPPED,
                        note=notes[due.step.key],
                        **common,
                    )
                )
    return rows


@transaction.atomic
def reminders_plan_due(*, now=None, round=None) -> PlanResult:
    """Record in the ledger every reminder that is due at ``now`` and not recorded yet.

    Who: the active contact persons of every active region whose inventory in an open round is
    not submitted or accepted (draft, returned, or never opened); the staff mailbox for the
    escalation (regions without an active contact person) and the summary after the deadline.
    A recipient's current step becomes a pending row; the earlier steps that never went out
    become skipped rows (catch-up sends only the latest). The number of queries does not depend
    on the number of inventories.
    """
    now = now or timezone.now()
    decision = decide(read_state(now, round), now)
    due = decision.due
    round_ids = {d.round.pk for d in due}
    existing = existing_keys(round_ids, {d.step.key for d in due})
    new = [d for d in due if d.key not in existing]
    earlier_steps = {step.key for d in new for step in d.earlier}
    existing_earlier = existing_keys({d.round.pk for d in new}, earlier_steps)
    rows = _rows_for(new, now=now, existing_earlier=existing_earlier)
    if rows:
        ledger_insert(rows)
    result = PlanResult()
    for row in rows:
        if row.status == Reminder.Status.PENDING:
            result.pending += 1
        else:
            result.skipped += 1
    return result
