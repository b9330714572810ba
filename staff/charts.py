"""Charts of the synthesis, drawn on the server as SVG with matplotlib.

A chart is a function of a ``Synthesis`` returning SVG text, so the page (as an image) and a
later PDF report can use the same drawing. Colours come from the Okabe–Ito palette, which stays
distinguishable with the common colour-vision deficiencies; every bar is also labelled with its
value, so nothing depends on colour alone. Each chart has a text alternative (``*_description``)
and its data is the table of the same name on the page.
"""

import io

from django.utils.translation import gettext as _
from matplotlib import rcParams
from matplotlib.figure import Figure

from portal.formatting import group_thousands

#: Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion, …
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442")

rcParams["svg.fonttype"] = "none"  # text stays text: searchable, selectable, small
rcParams["svg.hashsalt"] = "synthesis"  # the same data draws the same bytes
rcParams["font.family"] = "DejaVu Sans"


def _msek(value: float) -> str:
    """Millions of kronor with a decimal comma: two decimals below 10 MSEK, else one."""
    decimals = 2 if abs(value) < 10_000_000 else 1
    return f"{value / 1_000_000:.{decimals}f}".replace(".", ",")


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def _barh(labels, values, *, title, xlabel, colour) -> str:
    figure = Figure(figsize=(7.5, 0.55 * len(labels) + 1.2))
    axes = figure.subplots()
    positions = list(range(len(labels)))
    bars = axes.barh(positions, values, color=colour)
    axes.set_yticks(positions, labels=labels)
    axes.invert_yaxis()
    axes.set_title(title, loc="left")
    axes.set_xlabel(xlabel)
    axes.xaxis.set_major_formatter(lambda value, _pos: _msek(value))
    axes.bar_label(bars, labels=[_msek(v) for v in values], padding=3)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(x=0.15)
    return _svg(figure)


def _wrap(label: str, width: int = 38) -> str:
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def areas_chart(synthesis) -> str:
    """Amount sought per activity area (MSEK)."""
    return _barh(
        [_wrap(area.label) for area in synthesis.areas],
        [area.interventions.sought for area in synthesis.areas],
        title=_("Söks från programmet per insatsområde"),
        xlabel=_("miljoner kronor"),
        colour=PALETTE[0],
    )


def areas_description(synthesis) -> str:
    parts = [
        _("%(area)s %(amount)s kr")
        % {"area": a.label, "amount": group_thousands(a.interventions.sought)}
        for a in synthesis.areas
    ]
    return _("Stapeldiagram, belopp som söks per insatsområde: %(values)s.") % {
        "values": "; ".join(parts)
    }


def years_chart(synthesis) -> str:
    """Amount sought and co-financing per programme year (MSEK), bars side by side."""
    figure = Figure(figsize=(7.5, 3.6))
    axes = figure.subplots()
    years = [str(row.year) for row in synthesis.years]
    positions = list(range(len(years)))
    width = 0.38
    sought = axes.bar(
        [p - width / 2 for p in positions],
        [row.sought for row in synthesis.years],
        width,
        color=PALETTE[0],
        label=_("Söks från programmet"),
    )
    cofinancing = axes.bar(
        [p + width / 2 for p in positions],
        [row.cofinancing for row in synthesis.years],
        width,
        color=PALETTE[1],
        hatch="//",
        label=_("Medfinansiering"),
    )
    for bars, rows in ((sought, "sought"), (cofinancing, "cofinancing")):
        axes.bar_label(
            bars, labels=[_msek(getattr(row, rows)) for row in synthesis.years], padding=2
        )
    axes.set_xticks(positions, labels=years)
    axes.set_ylabel(_("miljoner kronor"))
    axes.yaxis.set_major_formatter(lambda value, _pos: _msek(value))
    axes.set_title(_("Belopp per programår"), loc="left")
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(y=0.15)
    return _svg(figure)


def years_description(synthesis) -> str:
    parts = [
        _("%(year)s: söks %(sought)s kr, medfinansiering %(cofinancing)s kr")
        % {
            "year": row.year,
            "sought": group_thousands(row.sought),
            "cofinancing": group_thousands(row.cofinancing),
        }
        for row in synthesis.years
    ]
    return _("Stapeldiagram per programår: %(values)s.") % {"values": "; ".join(parts)}


CHARTS = {
    "insatsomraden": (areas_chart, areas_description),
    "programar": (years_chart, years_description),
}
