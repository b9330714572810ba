"""What an uploaded attachment is, judged by its content, and a safe version of its name.

The name a browser sends says nothing: a program renamed ``strategi.pdf`` is still a program.
``puremagic`` reads the file's signature (its first bytes) for PDF, PNG and JPEG. DOCX, XLSX,
ODT and ODS are all ZIP archives, which a signature alone cannot tell apart, so their archive is
opened and the part that makes each format is looked for: ``word/document.xml`` (DOCX),
``xl/workbook.xml`` (XLSX), and the ``mimetype`` entry that starts every OpenDocument file.
"""

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import puremagic


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
PNG = FileType("image/png", "png", "PNG")
JPEG = FileType("image/jpeg", "jpg", "JPEG")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word"
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel"
)
ODT = FileType("application/vnd.oasis.opendocument.text", "odt", "OpenDocument-text")
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", "ods", "OpenDocument-kalkylblad")

ALLOWED = (PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG)
_BY_MIME = {filetype.mime: filetype for filetype in ALLOWED}
_ZIP_MIMES = {"application/zip", "application/x-zip-compressed"}


def _signature_mimes(head: bytes) -> set[str]:
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return set()
    return {match.mime_type for match in matches if match.mime_type}


def _zip_type(data: bytes) -> FileType | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return None
    with archive:
        names = set(archive.namelist())
        if "mimetype" in names:
            try:
                declared = archive.read("mimetype").decode("ascii", errors="replace").strip()
            except (zipfile.BadZipFile, KeyError, RuntimeError, ValueError):
                return None
            return {ODT.mime: ODT, ODS.mime: ODS}.get(declared)
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
    return None


def detect(data: bytes) -> FileType | None:
    """The allowed type ``data`` is, or ``None`` for anything else (whatever its name says)."""
    if not data:
        return None
    mimes = _signature_mimes(data[:8192])
    for filetype in (PDF, PNG, JPEG):
        if filetype.mime in mimes:
            return filetype
    if data[:4] == b"PK\x03\x04" or mimes & (_ZIP_MIMES | set(_BY_MIME)):
        return _zip_type(data)
    return None


def allowed_labels() -> str:
    """ "PDF, Word, Excel, …" for the help text and the refusal message."""
    return ", ".join(filetype.label for filetype in ALLOWED)


_UNSAFE = re.compile(r"[^\w.\- ()]+")


def safe_name(name: str, *, extension: str, max_length: int = 120) -> str:
    """The uploaded name made safe to show and to offer as a download name.

    Only the last path part is kept; control characters, separators and anything but letters
    (Swedish ones included), digits, space, ``.-_()`` become ``_``; leading dots go (no hidden
    files); the extension is the one the content has, e.g. ``Beslut: styrelsen?.PDF`` →
    ``Beslut_ styrelsen.pdf``.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    stem = _UNSAFE.sub("_", stem).strip(" ._") or "bilaga"
    stem = stem[: max_length - len(extension) - 1].rstrip(" ._") or "bilaga"
    return f"{stem}.{extension}"
