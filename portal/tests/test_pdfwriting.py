"""Writing PDF files: pydyf's page references built once per list of pages."""

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
