"""The audit history as people read it: filtered by kind, with runs of draft saves collapsed."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from inventories.models import AuditEvent

Action = AuditEvent.Action

#: ``(value in the URL, label, actions)``; the first is "everything".
KINDS = [
    ("", _("Allt"), None),
    ("inskickat", _("Inskickningar och kvitton"), {Action.SUBMITTED, Action.RECEIPT_SENT}),
    (
        "beslut",
        _("Beslut och handläggning"),
        {
            Action.ACCEPTED,
            Action.RETURNED,
            Action.DEADLINE_EXTENDED,
            Action.REGISTRATION_NUMBER_SET,
            Action.ASSIGNED,
        },
    ),
    (
        "dialog",
        _("Dialog med regionen"),
        {Action.MESSAGE_POSTED, Action.ITEM_RESOLVED, Action.ITEM_REOPENED},
    ),
    ("kontaktpersoner", _("Kontaktpersoner"), {Action.CONTACT_CHANGED}),
    ("utkast", _("Sparade utkast"), {Action.OPENED, Action.PART_SAVED}),
    ("paminnelser", _("Påminnelser"), {Action.REMINDER_SENT}),
]


def kind_actions(kind: str):
    """The actions of ``kind`` (``None``: all); an unknown kind means all."""
    for value, _label, actions in KINDS:
        if value == kind:
            return actions
    return None


@dataclass
class DraftRun:
    """Two or more draft saves in a row, shown as one line that opens to list each."""

    events: list = field(default_factory=list)
    action = Action.PART_SAVED
    is_run = True

    @property
    def first(self):
        return self.events[0]

    @property
    def last(self):
        return self.events[-1]

    @property
    def actors(self) -> list:
        names = []
        for event in self.events:
            name = (
                (event.actor.full_name or event.actor.email)
                if event.actor
                else _("Portalen (automatiskt)")
            )
            if name not in names:
                names.append(name)
        return names


def history_entries(events, *, kind: str = "") -> list:
    """``events`` (oldest first) of ``kind``, each run of two or more consecutive draft saves
    replaced by one ``DraftRun``."""
    actions = kind_actions(kind)
    entries: list = []
    run: list = []

    def flush():
        if len(run) >= 2:
            entries.append(DraftRun(events=list(run)))
        else:
            entries.extend(run)
        run.clear()

    for event in events:
        if actions is not None and event.action not in actions:
            continue
        if event.action == Action.PART_SAVED:
            run.append(event)
            continue
        flush()
        entries.append(event)
    flush()
    return entries
