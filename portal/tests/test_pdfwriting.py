"""Writing PDF files: pydyf's streams at zlib's default level, its page references built once."""

import zlib

import pydyf

import portal.pdfwriting  # noqa: F401  (replaces PDF.page_references on import)


def _add_pages(pdf, count):
    pages = [pydyf.Dictionary({"Type": "/Page"}) for _ in range(count)]
    for page in pages:
        pdf.add_page(page)
    return pages


def test_page_references_are_built_once_and_again_when_a_page_is_added():
    pdf = pydyf.PDF()
    pages = _add_pages(pdf, 3)
    references = pdf.page_references
    assert references == tuple(f"{page.number} 0 R".encode() for page in pages)
    assert pdf.page_references is references  # kept, not built again on every call

    pages += _add_pages(pdf, 1)
    assert pdf.page_references == tuple(f"{page.number} 0 R".encode() for page in pages)
    assert len(pdf.page_references) == 4


def test_a_compressed_stream_is_written_as_pydyf_writes_it_at_zlibs_default_level():
    items = [b"BT", "/F1 9.5 Tf", 12.5, 3.0, pydyf.String("Skåne"), b"ET"] * 200
    extra = {"Type": "/XObject", "Length1": 7}
    plain, compressed = pydyf.Stream(items, extra), pydyf.Stream(items, extra, compress=True)
    plain_head, plain_bytes = _parts(plain.data)
    head, compressed_bytes = _parts(compressed.data)
    assert compressed_bytes[:2] == b"x\x9c"  # zlib's header for the default level
    assert zlib.decompress(compressed_bytes) == plain_bytes
    length = f"/Length {len(plain_bytes)}"
    assert plain_head == b"<</Type /XObject/Length1 7" + length.encode() + b">>"
    length = f"/Filter /FlateDecode/Length {len(compressed_bytes)}"
    assert head == b"<</Type /XObject/Length1 7" + length.encode() + b">>"


def _parts(data):
    """A stream's dictionary and its bytes, as pydyf writes them."""
    head, rest = data.split(b"\nstream\n", 1)
    assert rest.endswith(b"\nendstream")
    return head, rest.removesuffix(b"\nendstream")
