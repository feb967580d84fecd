"""Reading back the PDFs the tests download: their text, their fonts, their images."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def reader(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-"), pdf[:40]
    return PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    """Every page's text, whitespace removed (the layout breaks lines anywhere in Chinese)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader(pdf).pages))


def fonts_of(pdf: bytes) -> dict[str, bool]:
    """Each font's name (subset prefix removed) and whether its program is embedded in the file."""
    fonts: dict[str, bool] = {}
    for page in reader(pdf).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"]).split("+", 1)[-1]] = embedded
    return fonts


def image_count(pdf: bytes) -> int:
    """How many distinct images the pages draw, also inside form XObjects (transparency
    groups); WeasyPrint shares one resource dictionary between pages, so images are counted
    once each, not once per page."""
    found, seen = set(), set()

    def visit(resources) -> None:
        for reference in resources.get_object().get("/XObject", {}).values():
            if reference.idnum in seen:
                continue
            seen.add(reference.idnum)
            xobject = reference.get_object()
            if xobject.get("/Subtype") == "/Image":
                found.add(reference.idnum)
            elif "/Resources" in xobject:
                visit(xobject["/Resources"])

    for page in reader(pdf).pages:
        visit(page["/Resources"])
    return len(found)


def pdfa_of(pdf: bytes) -> str:
    """The PDF/A profile the file declares in its XMP metadata, e.g. ``3B`` ("" when none)."""
    root = reader(pdf).trailer["/Root"]
    if "/Metadata" not in root:
        return ""
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    part, conformance = re.search(r'pdfaid:part="(\d)"', xmp), re.search(r'pdfaid:conformance="(\w)"', xmp)
    return (part.group(1) + conformance.group(1)) if part and conformance else ""


def title_of(pdf: bytes) -> str:
    """The document's title (its properties in a reader)."""
    return str(reader(pdf).metadata.get("/Title", ""))
