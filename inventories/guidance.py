"""Guidance that is round data: the programme page, what happens after submitting, the timeline.

A round may say these things in its own words (fields on ``Round`` and ``FieldGuidance`` rows
edited in the admin); where it says nothing, the portal's defaults here are used.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

DEFAULT_NEXT_STEPS = _lazy(
    "Tillväxtverket läser alla regioners behovsinventeringar och återkommer om något behöver "
    "kompletteras. Om behovsinventeringen återsänds för komplettering får ni ett "
    "e-postmeddelande och kan ändra och skicka in igen."
)


DEFAULT_ABOUT = (
    _lazy(
        "Uppdraget Hållbar regional utveckling ska utveckla och stärka arbetet med hållbar "
        "regional utveckling. Ekonomisk, social och miljömässig hållbarhet ska integreras i "
        "ordinarie verksamheter – en långsiktig ambition."
    ),
    _lazy(
        "Behovsinventeringen går från nuläge till börläge: regionens bakgrund och nuläge, de "
        "insatser regionen planerar och det börläge, de mål och de effekter insatserna leder "
        "till. Tillväxtverket använder inventeringarna för att utforma utlysningen av "
        "programmets medel och för att rapportera till regeringen hur hållbarhetsarbetet i det "
        "regionala tillväxtarbetet kan stärkas."
    ),
)


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs (separated by blank lines), without surrounding whitespace."""
    return [
        part.strip() for part in (text or "").replace("\r\n", "\n").split("\n\n") if part.strip()
    ]


def timeline(round_, today) -> list[dict]:
    """The round's milestones in date order, each marked ``past``, ``now`` or ``next``.

    "next" is the first milestone still ahead; later ones carry no mark. Milestones without a
    date keep their place in the admin's order and carry no mark either.
    """
    milestones = sorted(
        round_.milestones.all(),
        key=lambda m: (m.starts_on is None, m.starts_on or today, m.position),
    )
    entries, next_found = [], False
    for milestone in milestones:
        state = milestone.state_on(today)
        if state == "future":
            state = "" if next_found else "next"
            next_found = True
        entries.append({"when": milestone.when, "what": milestone.what, "state": state})
    return entries


def state_label(state: str) -> str:
    return {"past": _("Har varit"), "now": _("Pågår nu"), "next": _("Nästa")}.get(state, "")
