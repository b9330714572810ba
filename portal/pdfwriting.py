"""How the portal's PDF files are written: WeasyPrint's finishers and one fix to pydyf.

WeasyPrint builds a PDF as pydyf objects and lets a *finisher* change them before pydyf writes
the file. The finishers here only save time: the files say the same (``serialise_objects_once``
changes no byte; ``compress_streams`` changes how tightly the streams are compressed, not what
they hold).

pydyf builds ``PDF.page_references`` (one reference per page) again on every call, and
WeasyPrint's tagging calls it once per element of the structure tree: for a tagged file of 281
pages, 23,510 calls took a second. ``page_references`` is replaced, on import, with the same
tuple built again only when a page has been added.
"""

import functools
import zlib

from pydyf import PDF, Object, Stream

_ONCE_CLASSES: dict[type, type] = {}


def _serialised_once(object_class: type) -> type:
    """``object_class`` with its bytes computed once and kept (one subclass per class)."""
    if object_class not in _ONCE_CLASSES:

        class Once(object_class):
            @functools.cached_property
            def data(self) -> bytes:
                return super().data

        Once.__name__ = Once.__qualname__ = f"Once{object_class.__name__}"
        _ONCE_CLASSES[object_class] = Once
    return _ONCE_CLASSES[object_class]


def serialise_objects_once(document, pdf) -> None:
    """WeasyPrint finisher: each object of the PDF is serialised (and compressed) once.

    A PDF/A file has an identifier, and pydyf computes it as the MD5 of every object's bytes
    after writing them, so each object was serialised twice and each stream (page contents,
    fonts, the colour profile) compressed twice; a tagged file has thousands of objects (its
    structure tree). The objects are final when the finisher runs, so the file is byte for byte
    the same.
    """
    for obj in pdf.objects:
        if isinstance(obj, Object) and obj.free != "f":
            obj.__class__ = _serialised_once(type(obj))


#: zlib's default level. pydyf compresses every stream at level 9: for the page contents and
#: fonts of a copy of record that took four times as long as level 6, for a file 2 % smaller.
STREAM_COMPRESSION_LEVEL = 6


def compress_streams(document, pdf) -> None:
    """WeasyPrint finisher: compress the streams pydyf would compress, at zlib's default level.

    Each stream's items are serialised as pydyf serialises them (an uncompressed copy of the
    stream is ``<</Length n>>``, ``stream``, the bytes, ``endstream``, one a line), compressed and
    marked FlateDecode, so that pydyf writes them as they are. The streams hold the same bytes.
    """
    for obj in pdf.objects:
        if isinstance(obj, Stream) and obj.compress:
            written = Stream(obj.stream).data
            content = written.split(b"\nstream\n", 1)[1].removesuffix(b"\nendstream")
            obj.stream = [zlib.compress(content, STREAM_COMPRESSION_LEVEL)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


_PYDYF_PAGE_REFERENCES = PDF.page_references.fget


def _page_references(pdf) -> tuple[bytes, ...]:
    """pydyf's ``PDF.page_references``, kept until the list of pages changes."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references")
    if cached is None or cached[0] is not kids or cached[1] != len(kids):
        cached = (kids, len(kids), _PYDYF_PAGE_REFERENCES(pdf))
        pdf.__dict__["_page_references"] = cached
    return cached[2]


PDF.page_references = property(_page_references)
