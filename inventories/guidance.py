"""Guidance that is round data: the programme page, what happens after submitting, the timeline.

A round may say these things in its own words (fields on ``Round`` and ``FieldGuidance`` rows
edited in the admin); where it says nothing, the portal's defaults here are used.
"""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from inventories.models import FieldGuidance
from portal.compiled import CompiledQuery

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


# --- Help per field, with an example ----------------------------------------------------------

#: ``"<form>.<field>": (help text, example)``: the portal's defaults. A round overrides any of
#: them with a ``FieldGuidance`` row (admin: Omgångar → Hjälptexter).
FIELD_HELP = {
    "current_state.context": (
        _lazy("Kort om regionen: geografi, befolkning, näringsliv och särskilda förutsättningar."),
        _lazy(
            "Länet har 380 000 invånare, två tredjedelar i de tre största tätorterna. "
            "Tillverkningsindustrin står för en fjärdedel av sysselsättningen."
        ),
    ),
    "current_state.work_economic": (
        _lazy("Hur arbetar regionen i dag med ekonomisk hållbarhet i tillväxtarbetet?"),
        _lazy("Den regionala utvecklingsstrategin har mål för omställning i industrin."),
    ),
    "current_state.work_social": (
        _lazy("Hur arbetar regionen i dag med social hållbarhet i tillväxtarbetet?"),
        _lazy("Kompetensförsörjning och inkludering är prioriterade i strukturfondsprojekten."),
    ),
    "current_state.work_environmental": (
        _lazy("Hur arbetar regionen i dag med miljömässig hållbarhet i tillväxtarbetet?"),
        _lazy("En klimatfärdplan är antagen; uppföljningen av den saknas ännu."),
    ),
    "current_state.needs_challenges": (
        _lazy("Vilka behov och utmaningar ser regionen?"),
        _lazy("Kommunerna saknar verktyg för att analysera hållbarhet i sina projekt."),
    ),
    "current_state.collaboration": (
        _lazy("Vilken samverkan och vilka strukturer finns redan?"),
        _lazy("Ett hållbarhetsnätverk med kommunerna, lärosätet och länsstyrelsen."),
    ),
    "current_state.perspective": (
        _lazy(
            "Hur ser nuläget ut för kvinnor och män, för olika åldrar och för personer med "
            "utländsk bakgrund i regionen?"
        ),
        _lazy(
            "Sysselsättningen är 12 procentenheter lägre bland utrikes födda kvinnor; unga "
            "lämnar landsbygden för studier och kommer sällan tillbaka."
        ),
    ),
    "target_state.target_state": (
        _lazy("Hur ser det ut när regionen har nått dit den vill? Beskriv börläget."),
        _lazy(
            "Hållbarhetsanalys är en självklar del av varje projektbeslut, och regionens "
            "aktörer har en gemensam lägesbild."
        ),
    ),
    "target_state.short_term_effects": (
        _lazy("Frivilligt: vilka effekter väntar ni er på kort sikt av insatserna?"),
        _lazy("Ett nytt nätverk för handläggare av projektmedel inom ett år."),
    ),
    "intervention.title": (
        _lazy("En kort rubrik som skiljer insatsen från regionens andra insatser."),
        _lazy("Kunskapslyft om hållbar tillväxt för kommunernas näringslivsenheter"),
    ),
    "intervention.description": (
        _lazy("Vad ska göras, för vem och varför?"),
        _lazy("Sex seminarier och analysstöd till 20 företag om hållbara affärsmodeller."),
    ),
    "intervention.perspective_gender": (
        _lazy("Hur tar insatsen hänsyn till kön?"),
        _lazy("Deltagarstatistik per kön följs upp varje halvår."),
    ),
    "intervention.perspective_age": (
        _lazy("Hur tar insatsen hänsyn till ålder?"),
        _lazy("Unga vuxna nås via gymnasieskolornas entreprenörskapsprogram."),
    ),
    "intervention.perspective_background": (
        _lazy("Hur tar insatsen hänsyn till utländsk bakgrund?"),
        _lazy("Samarbete med etableringsprojekten för nyanlända företagare."),
    ),
    "intervention.actors": (
        _lazy("Vilka aktörer genomför eller deltar i insatsen?"),
        _lazy("Kommunerna, lärosätet och näringslivets organisationer."),
    ),
    "goal.goal": (
        _lazy("Vad ska vara uppnått? Skriv ett mål som går att följa upp."),
        _lazy("Fler små företag arbetar med hållbarhetsanalys."),
    ),
    "goal.indicator": (
        _lazy("Hur mäter ni att målet nås?"),
        _lazy("Antal företag som gjort en hållbarhetsanalys med regionens stöd"),
    ),
    "goal.target_value": (
        _lazy("Vilket värde ska indikatorn ha när målet är nått?"),
        _lazy("50 företag, varav minst hälften ledda av kvinnor"),
    ),
}


#: A round's own help texts (few rows), read on every form page: compiled once.
_ROUND_GUIDANCE = CompiledQuery(
    lambda round_id: FieldGuidance.objects.filter(round_id=round_id).order_by("field", "pk"),
    round_id=int,
)


def field_help(round_, form_key: str) -> dict:
    """``{field: (help text, example)}`` for one form in ``round_``: the round's own texts
    where it has them (one query), the portal's defaults otherwise."""
    prefix = f"{form_key}."
    found: dict[str, tuple[Any, Any]] = {  # texts: str or lazy translations
        key[len(prefix) :]: (help_text, example)
        for key, (help_text, example) in FIELD_HELP.items()
        if key.startswith(prefix)
    }
    if round_ is not None and round_.pk:
        for row in _ROUND_GUIDANCE.rows(round_id=round_.pk):
            if not row.field.startswith(prefix):
                continue
            name = row.field[len(prefix) :]
            default_help, default_example = found.get(name, ("", ""))
            found[name] = (row.help_text or default_help, row.example or default_example)
    return found
