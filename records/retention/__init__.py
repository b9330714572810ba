"""Retention by plan (gallring): what each round's plan would purge, and purging it.

Three kinds of data go when their period has passed:

- **contact persons**: a deactivated contact person (or one whose account is inactive) whose
  last sign-in, registration, invitation and deactivation all lie more than N months back is
  anonymised: name and e-mail address are replaced, the password is made unusable and the
  account inactive, so it can no longer sign in. The rows stay: the audit history, the
  submitted versions and the e-mails sent name them;
- **drafts never submitted** of a closed round (its deadline and every extension of its
  inventories have passed) lose their content M months after the round closed: Del 1–3 texts,
  budget lines, interventions, goals and attachments (with their files). The inventory row
  stays, because the audit history names it;
- **sign-in records** older than K days: django-axes' attempts and logs, and the throttling of
  wrong second-factor codes; expired sessions always.

Submitted versions, their PDFs, attachments a version holds, receipts and the audit history are
public records and are never touched here. The selector (``retention_candidates``) changes
nothing; ``retention_apply`` purges each contact person and each draft in a transaction of its
own with its ``PurgeRecord``, and sign-in records in batches (one record per batch, with the
ids), re-checking every condition inside the transaction: a run cut short by a crash leaves
everything purged and recorded or untouched, and the next run carries on.
"""

from records.retention.periods import (
    STOCKHOLM,
    Periods,
    global_periods,
    months_before,
    round_periods,
    rounds_with_periods,
)
from records.retention.selectors import Candidate, retention_candidates
from records.retention.services import ANONYMISED_NAME, retention_apply
from regions.models import ANONYMISED_EMAIL_DOMAIN

__all__ = [
    "ANONYMISED_EMAIL_DOMAIN",
    "ANONYMISED_NAME",
    "STOCKHOLM",
    "Candidate",
    "Periods",
    "global_periods",
    "months_before",
    "retention_apply",
    "retention_candidates",
    "round_periods",
    "rounds_with_periods",
]
