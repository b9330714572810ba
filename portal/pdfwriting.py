"""How the portal's PDF files are written: a WeasyPrint finisher and two changes to pydyf.

They only save time; the files say the same. WeasyPrint builds a PDF as pydyf objects and lets a
*finisher* change them before pydyf writes the file: ``serialise_objects_once`` changes no byte.
Within ``quicker_pydyf()`` (the portal's renders), two of pydyf's properties are replaced:

- ``Stream.data`` compresses at zlib's default level instead of 9 (the streams decode to the
  same bytes; the file is about 3.5 % larger);
- ``PDF.page_references`` (one reference per page) is kept until a page is added, where pydyf
  built it again on every call: WeasyPrint's tagging calls it once per element of the structure
  tree, 23,510 calls that took a second for a tagged file of 281 pages (no byte changes).

Outside the block pydyf is as installed (WeasyPrint's own defaults, as ``bench/pdf.py``'s plain
baseline renders).
"""

import contextlib
import functools
import threading
import zlib

from pydyf import PDF, Dictionary, Object, Stream

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


#: zlib's default level. pydyf compresses every stream at level 9: for the page contents, fonts
#: and object streams of a copy of record that took four to five times as long as level 6, for
#: a file 3.5 % smaller.
STREAM_COMPRESSION_LEVEL = 6

_PYDYF_STREAM_DATA = Stream.data.fget


def _stream_data(stream) -> bytes:
    """pydyf's ``Stream.data``, compressed at ``STREAM_COMPRESSION_LEVEL`` instead of 9.

    pydyf writes an uncompressed stream as ``<</Length n>>``, ``stream``, its bytes and
    ``endstream``, one a line: those bytes are compressed and written as pydyf writes them, after
    the stream's dictionary with its filter and length.
    """
    if not stream.compress:
        return _PYDYF_STREAM_DATA(stream)
    written = _PYDYF_STREAM_DATA(Stream(stream.stream))
    content = written.split(b"\nstream\n", 1)[1].removesuffix(b"\nendstream")
    content = zlib.compress(content, STREAM_COMPRESSION_LEVEL)
    extra = Dictionary(stream.extra.copy())
    extra["Filter"] = "/FlateDecode"
    extra["Length"] = len(content)
    return b"\n".join((extra.data, b"stream", content, b"endstream"))


_PYDYF_PAGE_REFERENCES = PDF.page_references.fget


def _page_references(pdf) -> tuple[bytes, ...]:
    """pydyf's ``PDF.page_references``, kept until the list of pages changes."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references")
    if cached is None or cached[0] is not kids or cached[1] != len(kids):
        cached = (kids, len(kids), _PYDYF_PAGE_REFERENCES(pdf))
        pdf.__dict__["_page_references"] = cached
    return cached[2]


_PYDYF_PROPERTIES = {
    (Stream, "data"): Stream.data,
    (PDF, "page_references"): PDF.page_references,
}
_QUICKER_PROPERTIES = {
    (Stream, "data"): property(_stream_data),
    (PDF, "page_references"): property(_page_references),
}
_quicker_lock = threading.Lock()
_quicker_blocks = 0


def _set_properties(properties: dict) -> None:
    for (owner, name), value in properties.items():
        setattr(owner, name, value)


@contextlib.contextmanager
def quicker_pydyf():
    """Within the block, pydyf compresses streams at ``STREAM_COMPRESSION_LEVEL`` and keeps the
    page references (see the module). Blocks may nest or overlap (threads): the last one to leave
    puts pydyf's own properties back, also after an error."""
    global _quicker_blocks
    with _quicker_lock:
        if _quicker_blocks == 0:
            _set_properties(_QUICKER_PROPERTIES)
        _quicker_blocks += 1
    try:
        yield
    finally:
        with _quicker_lock:
            _quicker_blocks -= 1
            if _quicker_blocks == 0:
                _set_properties(_PYDYF_PROPERTIES)
