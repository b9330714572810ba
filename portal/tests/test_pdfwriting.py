"""Writing PDF files: within quicker_pydyf(), streams at zlib's default level and the page
references built once; outside it, pydyf as installed."""

import threading
import zlib

import pydyf
import pytest

from portal.pdfwriting import quicker_pydyf


def _add_pages(pdf, count):
    pages = [pydyf.Dictionary({"Type": "/Page"}) for _ in range(count)]
    for page in pages:
        pdf.add_page(page)
    return pages


def test_page_references_are_built_once_and_again_when_a_page_is_added():
    pdf = pydyf.PDF()
    pages = _add_pages(pdf, 3)
    with quicker_pydyf():
        references = pdf.page_references
        assert references == tuple(f"{page.number} 0 R".encode() for page in pages)
        assert pdf.page_references is references  # kept, not built again on every call

        pages += _add_pages(pdf, 1)
        assert pdf.page_references == tuple(f"{page.number} 0 R".encode() for page in pages)
        assert len(pdf.page_references) == 4


def _parts(data):
    """A stream's dictionary and its bytes, as pydyf writes them."""
    head, rest = data.split(b"\nstream\n", 1)
    assert rest.endswith(b"\nendstream")
    return head, rest.removesuffix(b"\nendstream")


ITEMS = [b"BT", "/F1 9.5 Tf", 12.5, 3.0, pydyf.String("Skåne"), b"ET"] * 200
EXTRA = {"Type": "/XObject", "Length1": 7}


def test_a_compressed_stream_is_written_as_pydyf_writes_it_at_zlibs_default_level():
    plain, compressed = pydyf.Stream(ITEMS, EXTRA), pydyf.Stream(ITEMS, EXTRA, compress=True)
    with quicker_pydyf():
        plain_head, plain_bytes = _parts(plain.data)
        head, compressed_bytes = _parts(compressed.data)
    assert compressed_bytes[:2] == b"x\x9c"  # zlib's header for the default level
    assert zlib.decompress(compressed_bytes) == plain_bytes
    length = f"/Length {len(plain_bytes)}"
    assert plain_head == b"<</Type /XObject/Length1 7" + length.encode() + b">>"
    length = f"/Filter /FlateDecode/Length {len(compressed_bytes)}"
    assert head == b"<</Type /XObject/Length1 7" + length.encode() + b">>"


def _pydyfs_own():
    """pydyf as installed: level 9, page references built on every call."""
    pdf = pydyf.PDF()
    _add_pages(pdf, 2)
    _head, compressed = _parts(pydyf.Stream(ITEMS, EXTRA, compress=True).data)
    return compressed[:2] == b"x\xda" and pdf.page_references is not pdf.page_references


def test_outside_the_block_pydyf_is_as_installed_also_after_an_error_and_overlapping_blocks():
    assert _pydyfs_own()
    with pytest.raises(RuntimeError), quicker_pydyf():
        assert not _pydyfs_own()
        raise RuntimeError
    assert _pydyfs_own()

    entered, leave = threading.Event(), threading.Event()

    def other_render():
        with quicker_pydyf():
            entered.set()
            leave.wait(5)

    thread = threading.Thread(target=other_render)
    with quicker_pydyf():
        thread.start()
        entered.wait(5)
    assert not _pydyfs_own()  # the other block is still open
    leave.set()
    thread.join(5)
    assert _pydyfs_own()
