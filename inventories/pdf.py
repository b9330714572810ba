"""The copy of record: a submitted version rendered as a tagged PDF/A-2a with WeasyPrint.

``inventory_version_pdf(version) -> bytes`` reads only the version's stored snapshot (never the
live inventory), so the PDF shows exactly what was submitted and hashed. It is a plain function,
testable without a request; the render task stores its bytes, the receipt e-mail attaches them
and the download view serves the stored file.

Nothing is fetched while rendering: ``StaticFileFetcher`` serves the portal's own static files
from disk and refuses everything else (http, https, data, ``file:`` outside the static folder),
and every piece of user text reaches the HTML through Django's autoescaping.
"""

import datetime
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from inventories.models import (
    ActivityArea,
    Attachment,
    CurrentState,
    Dimension,
    Effect,
    FollowUp,
    Intervention,
    InterventionYear,
    Priority,
    TargetState,
)
from inventories.models import Goal as GoalModel
from inventories.snapshot import sha256_hex
from portal.collector import cyclic_gc_paused
from portal.formatting import STOCKHOLM, file_size, kronor
from portal.pdfwriting import quicker_pydyf, serialise_objects_once

PDF_LANGUAGE = "sv"
TEMPLATE = "inventories/pdf/version.html"
#: What the fetcher will hand to WeasyPrint; anything else in the static folder is refused too.
ALLOWED_STATIC_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


class FetchRefused(ValueError):
    """WeasyPrint asked for a resource the copy of record may not use."""


def static_root() -> Path:
    """The portal's own static folder (the first of ``STATICFILES_DIRS``), resolved."""
    return Path(settings.STATICFILES_DIRS[0]).resolve()


class StaticFileFetcher(URLFetcher):
    """Serve the portal's static files from disk; refuse every other URL by raising.

    Only ``file:`` URLs with no host whose resolved path (symbolic links followed) lies inside
    the static folder and has an allowed suffix are read. No network handler is ever used, so
    there is nothing to redirect. Refusals are fatal: a copy of record that silently lacked a
    resource would be stored for good.
    """

    def __init__(self, root: Path | None = None):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)
        self.root = Path(root).resolve() if root is not None else static_root()

    def resolve(self, url: str) -> Path:
        """The file ``url`` names inside the static folder, or ``FetchRefused``."""
        if not isinstance(url, str):
            raise FetchRefused("Not a URL.")
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise FetchRefused(f"Only the portal's static files may be used, not {url[:200]!r}.")
        if parts.netloc not in ("", "localhost") or parts.query:
            raise FetchRefused(f"Refused {url[:200]!r}.")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root):
            raise FetchRefused(f"Refused {url[:200]!r}: outside the static folder.")
        if path.suffix.lower() not in ALLOWED_STATIC_TYPES or not path.is_file():
            raise FetchRefused(f"Refused {url[:200]!r}: not an allowed static file.")
        return path

    def fetch(self, url, headers=None):
        path = self.resolve(url)
        mimetype = ALLOWED_STATIC_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path)[0]
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mimetype}
        )

    def open(self, url, data=None, timeout=None):
        full_url = getattr(url, "full_url", url)
        return self.fetch(full_url)


# --- Turning the snapshot into display values ----------------------------------------------


def _amount(value) -> str:
    return kronor(value)


def _date(value) -> str:
    if not value:
        return ""
    return formats.date_format(datetime.date.fromisoformat(value), "j F Y")


def _moment(value) -> str:
    if not value:
        return ""
    moment = datetime.datetime.fromisoformat(value).astimezone(STOCKHOLM)
    return formats.date_format(moment, "j F Y \\k\\l. H:i")


def _label(model, name) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _choices(values, choices) -> str:
    labels = dict(choices)
    return ", ".join(str(labels.get(value, value)) for value in values or [])


def _fields(model, data, names):
    """Labelled values of the fields the snapshot has (a schema-1 version lacks newer ones)."""
    return [
        {"label": _label(model, name), "value": data.get(name) or ""}
        for name in names
        if name in data
    ]


def _years(entries) -> list[dict] | None:
    """Money per year as display rows, or None when the version predates it (schema 1)."""
    if entries is None:
        return None
    rows = []
    for entry in entries:
        amounts = [entry.get(name) or 0 for name in InterventionYear.AMOUNT_FIELDS]
        rows.append(
            {
                "year": entry.get("year"),
                "sought": _amount(amounts[0]),
                "own": _amount(amounts[1]),
                "other": _amount(amounts[2]),
                "total": _amount(sum(amounts)),
            }
        )
    return rows


def _year_lines(entries) -> str | None:
    """An intervention's money per year as one line per year, or None before schema 2.

    A paragraph of lines, not a table: thirty small tables of five columns were a quarter of the
    render time (every cell is a box of its own to cascade, lay out, draw and tag).
    """
    rows = _years(entries)
    if rows is None:
        return None
    return "\n".join(
        _(
            "%(year)s: söks från programmet %(sought)s, egen medfinansiering %(own)s, "
            "annan medfinansiering %(other)s, totalt %(total)s"
        )
        % row
        for row in rows
    )


def _intervention(item) -> dict:
    period = ""
    if item.get("start_date") or item.get("end_date"):
        period = f"{_date(item.get('start_date'))} – {_date(item.get('end_date'))}"
    fields = [
        {"label": _label(Intervention, "description"), "value": item.get("description") or ""},
        {
            "label": _label(Intervention, "activity_areas"),
            "value": _choices(item.get("activity_areas"), ActivityArea.choices),
        },
        {
            "label": _label(Intervention, "dimensions"),
            "value": _choices(item.get("dimensions"), Dimension.choices),
        },
        *_fields(
            Intervention,
            item,
            ("perspective_gender", "perspective_age", "perspective_background", "actors"),
        ),
        {"label": _("Period"), "value": period},
        {"label": _label(Intervention, "cost"), "value": _amount(item.get("cost"))},
    ]
    if "priority" in item:
        fields.append(
            {
                "label": _label(Intervention, "priority"),
                "value": _choices([item["priority"]] if item["priority"] else [], Priority.choices),
            }
        )
    if "effects" in item:
        fields.append(
            {
                "label": _label(Intervention, "effects"),
                "value": _choices(item["effects"], Effect.choices),
            }
        )
    return {
        "number": item.get("number"),
        "title": item.get("title") or "",
        "fields": fields,
        "years": _year_lines(item.get("years")),
        # The staff page's table of the same amounts (the PDF shows the lines above).
        "year_rows": _years(item.get("years")),
    }


def _goal(goal, titles) -> dict:
    numbers = goal.get("interventions") or []
    leads = "; ".join(
        _("Insats %(number)s: %(title)s") % {"number": n, "title": titles.get(n, "")}
        for n in numbers
    )
    fields = [
        {"label": _label(GoalModel, "goal"), "value": goal.get("goal") or ""},
        {"label": _label(GoalModel, "indicator"), "value": goal.get("indicator") or ""},
        {"label": _label(GoalModel, "target_value"), "value": goal.get("target_value") or ""},
        {"label": _label(GoalModel, "target_date"), "value": _date(goal.get("target_date"))},
    ]
    for name, choices in (
        ("effects", Effect.choices),
        ("dimensions", Dimension.choices),
        ("follow_up", FollowUp.choices),
    ):
        if name in goal:
            fields.append(
                {"label": _label(GoalModel, name), "value": _choices(goal[name], choices)}
            )
    fields.append({"label": _label(GoalModel, "interventions"), "value": leads})
    return {"number": goal.get("number"), "fields": fields}


def _attachment_row(row: dict) -> dict:
    kind = row.get("kind") or ""
    label = Attachment.Kind(kind).label if kind in Attachment.Kind.values else kind
    return {
        "name": row.get("name") or "",
        "kind": label,
        "description": row.get("description") or "",
        "size": file_size(int(row.get("size") or 0)),
        "sha256": row.get("sha256") or "",
    }


def version_pdf_context(snapshot: dict, *, sha256: str) -> dict:
    """Everything the PDF template shows, read from the snapshot alone (in the active language)."""
    round_ = snapshot["round"]
    region = snapshot["region"]
    part1, part2, part3 = snapshot["part1"], snapshot["part2"], snapshot["part3"]
    number = snapshot["version"]
    titles = {item.get("number"): item.get("title") or "" for item in part2["interventions"]}
    title = _("%(round)s – %(region)s – version %(number)s") % {
        "round": round_["name"],
        "region": region["name"],
        "number": number,
    }
    return {
        "title": title,
        "subject": _("%(programme)s: regionens behovsinventering, från nuläge till börläge")
        % {"programme": round_["programme"]},
        "round": {
            "name": round_["name"],
            "programme": round_["programme"],
            "start_capital": _amount(round_["start_capital"]),
            "period_start": _date(round_["period_start"]),
            "period_end": _date(round_["period_end"]),
        },
        "region": region,
        "version_number": number,
        "registration_number": snapshot.get("registration_number") or "",
        "sha256": sha256,
        "submitted_at": _moment(snapshot["submitted_at"]),
        "submitted_by": snapshot["submitted_by"],
        "effective_deadline": _moment(snapshot["effective_deadline"]),
        "schema": snapshot.get("schema", 1),
        # Schema 3 lists the attachments; older versions had none to list.
        "lists_attachments": "attachments" in snapshot,
        "attachments": [_attachment_row(row) for row in snapshot.get("attachments") or []],
        "desired_end_state": round_.get("desired_end_state") or "",
        "part1": {
            "fields": _fields(CurrentState, part1, CurrentState.TEXT_FIELDS),
            "has_spent": "spent_total" in part1,
            "budget_lines": [
                {
                    "description": line["description"],
                    "amount": _amount(line["amount"]),
                    "spent": _amount(line.get("spent")),
                }
                for line in part1["budget_lines"]
            ],
            "budget_total": _amount(part1["budget_total"]),
            "spent_total": _amount(part1.get("spent_total")),
            "unspent": _amount(round_["start_capital"] - part1["spent_total"])
            if "spent_total" in part1
            else "",
        },
        "part2": {
            "interventions": [_intervention(item) for item in part2["interventions"]],
            "total_cost": _amount(part2["total_cost"]),
            "year_totals": _years(part2.get("year_totals")),
        },
        "part3": {
            "fields": _fields(TargetState, part3, ("target_state",)),
            "effects": _fields(TargetState, part3, TargetState.EFFECT_FIELDS),
            "short_term": _fields(TargetState, part3, ("short_term_effects",)),
            "goals": [_goal(goal, titles) for goal in part3["goals"]],
        },
    }


class SnapshotHashMismatch(Exception):
    """The stored snapshot no longer matches its SHA-256: never render a copy of record from it."""


def version_pdf_html(version) -> str:
    """The HTML of the copy of record (Swedish, all user text escaped)."""
    if sha256_hex(version.snapshot_json) != version.sha256:
        raise SnapshotHashMismatch(f"Version {version.pk}: the snapshot does not match its hash.")
    with translation.override(PDF_LANGUAGE):
        context = version_pdf_context(version.snapshot, sha256=version.sha256)
        return render_to_string(TEMPLATE, context)


#: Archival and tagged at once: PDF/A-2a ("accessible") makes WeasyPrint write the structure
#: tree (headings, paragraphs, tables, lists) that screen readers read.
PDF_VARIANT = "pdf/a-2a"


def render_pdf(html: str, *, url_fetcher=None) -> bytes:
    """WeasyPrint with the static-only fetcher, as a tagged PDF/A-2a."""
    fetcher = url_fetcher or StaticFileFetcher()
    document = HTML(string=html, base_url=fetcher.root.as_uri() + "/", url_fetcher=fetcher)
    with cyclic_gc_paused(), quicker_pydyf():
        return document.write_pdf(
            pdf_variant=PDF_VARIANT, pdf_tags=True, finisher=serialise_objects_once
        )


def inventory_version_pdf(version) -> bytes:
    """The tagged PDF/A-2a copy of record of ``version``, rendered from its stored snapshot."""
    return render_pdf(version_pdf_html(version))
