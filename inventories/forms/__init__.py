"""Forms for the three parts. They check formats only; the services own the business rules.

Every message is Swedish and says what to do. Fields render through crispy with the portal's
one field template (``templates/bootstrap5/field.html``); ``PortalBoundField`` adds the
review-mode messages (``?granska=1``) to the field's own errors so both show next to the field
and in the summary.

The package, by concept (mirroring ``inventories/views/``):

- ``common``: the base form and bound field, the shared fields, validators and messages.
- ``parts``: Del 1 – Nuläge with its budget rows, and the texts of Del 3 – Börläge.
- ``items``: one insats (Del 2) and one mål (Del 3).
- ``submission``: the confirm step before "Skicka in".
"""

from .common import (
    DATE_INVALID,
    INVALID_CHOICE,
    KRONOR_MAX,
    MONEY_INVALID,
    MONEY_NEGATIVE,
    MONEY_TOO_LARGE,
    NULL_CHARACTER,
    KronorField,
    MaxCharacters,
    PortalBoundField,
    PortalForm,
    SwedishDateField,
    checkboxes,
    revision_field,
    text_field,
)
from .items import GoalEditForm, GoalForm, InterventionEditForm, InterventionForm
from .parts import (
    BUDGET_MAX_ROWS,
    BUDGET_PREFIX,
    CURRENT_STATE_HELP,
    TARGET_STATE_HELP,
    BaseBudgetFormSet,
    BudgetFormSet,
    BudgetLineForm,
    CurrentStateForm,
    TargetStateForm,
    budget_formset_class,
)
from .submission import SubmitForm

__all__ = [
    "BUDGET_MAX_ROWS",
    "BUDGET_PREFIX",
    "CURRENT_STATE_HELP",
    "DATE_INVALID",
    "INVALID_CHOICE",
    "KRONOR_MAX",
    "MONEY_INVALID",
    "MONEY_NEGATIVE",
    "MONEY_TOO_LARGE",
    "NULL_CHARACTER",
    "TARGET_STATE_HELP",
    "BaseBudgetFormSet",
    "BudgetFormSet",
    "BudgetLineForm",
    "CurrentStateForm",
    "GoalEditForm",
    "GoalForm",
    "InterventionEditForm",
    "InterventionForm",
    "KronorField",
    "MaxCharacters",
    "PortalBoundField",
    "PortalForm",
    "SubmitForm",
    "SwedishDateField",
    "TargetStateForm",
    "budget_formset_class",
    "checkboxes",
    "revision_field",
    "text_field",
]
