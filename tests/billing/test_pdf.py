"""Invoice PDFs (Factur-X: PDF/A-3b with factur-x.xml) and the plan PDF, rendered offline."""

from __future__ import annotations

import io
import logging
import time

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from milepost.billing.einvoice import cii_xml
from milepost.billing.pdf import invoice_pdf
from milepost.billing.rules import REVERSE_CHARGE_NOTE
from milepost.core.pdf import _fetcher
from milepost.plans.models import Project
from milepost.plans.pdf import proposal_pdf

PDFAID = "http://www.aiim.org/pdfa/ns/id/"
FX = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"


def text_of(pdf: bytes) -> str:
    """The PDF's text with runs of whitespace collapsed, to search in."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def xmp_of(pdf: bytes) -> etree._Element:
    reader = PdfReader(io.BytesIO(pdf))
    stream = reader.trailer["/Root"]["/Metadata"].get_object()
    return etree.fromstring(stream.get_data())


def xmp_value(xmp: etree._Element, namespace: str, name: str) -> str:
    """An XMP property, written either as an element or as an attribute of rdf:Description."""
    for node in xmp.iter(f"{{{namespace}}}{name}"):
        return node.text
    for node in xmp.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
        if node.get(f"{{{namespace}}}{name}") is not None:
            return node.get(f"{{{namespace}}}{name}")
    raise AssertionError(f"{name} not in the XMP metadata")


def weasyprint_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]


def test_invoice_pdf_is_factur_x_with_the_same_xml(setup, caplog):
    invoice = setup.invoiced()

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = invoice_pdf(invoice)

    assert weasyprint_warnings(caplog) == []  # the stylesheet and fonts were all found

    assert pdf.startswith(b"%PDF")
    filename, xml = facturx.get_facturx_xml_from_pdf(pdf)  # checks the XML against the schema
    assert filename == "factur-x.xml"
    assert xml == cii_xml(invoice)
    # PDF/A-3 (conformance B) with the Factur-X extension schema naming the EN 16931 profile.
    xmp = xmp_of(pdf)
    assert xmp_value(xmp, PDFAID, "part") == "3"
    assert xmp_value(xmp, PDFAID, "conformance") == "B"
    assert xmp_value(xmp, FX, "DocumentFileName") == "factur-x.xml"
    assert xmp_value(xmp, FX, "ConformanceLevel") == "EN 16931"
    reader = PdfReader(io.BytesIO(pdf))
    assert "/OutputIntents" in reader.trailer["/Root"]  # sRGB, as PDF/A asks
    assert reader.metadata.title == f"Northwind Studio GmbH: Invoice {invoice.number}"
    assert reader.pdf_header.startswith("%PDF-1.7")
    assert len(reader.pages) == 1
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4 portrait
    assert round(float(reader.pages[0].mediabox.height)) == 842


def test_invoice_pdf_shows_what_a_person_needs_to_pay_it(setup):
    invoice = setup.invoiced()

    text = text_of(invoice_pdf(invoice))

    for expected in (
        f"Invoice {invoice.number}",
        "Northwind Studio GmbH",
        "DE123456789",
        "Acme Shop",
        "IE6388047V",
        "Acme webshop",  # the project
        "1. CMS setup and homepage",  # the milestone
        "Homepage layout",  # a deliverable
        "€2,000.00",
        "VAT 19%",
        "€380.00",
        "€2,380.00",
        "DE89 3704 0044 0532 0130 00",
        "COBADEFFXXX",
        invoice.payment_terms,
    ):
        assert expected in text, expected
    assert f"Reference {invoice.number}" in text
    assert "Credit note" not in text


def test_reverse_charge_pdf_carries_the_note(setup):
    setup.client.reverse_charge = True
    setup.client.save()
    invoice = setup.invoiced()

    text = text_of(invoice_pdf(invoice))

    assert " ".join(REVERSE_CHARGE_NOTE.split()) in text
    assert "VAT (reverse charge)" in text


def test_credit_note_pdf_says_what_it_cancels(setup):
    invoice = setup.invoiced()
    note = setup.void(invoice)

    pdf = invoice_pdf(note)

    text = text_of(pdf)
    assert f"Credit note {note.number}" in text
    assert f"Credit note cancelling {invoice.number}" in text
    assert "There is nothing to pay." in text
    assert "Please transfer" not in text and "Amount due" not in text
    _name, xml = facturx.get_facturx_xml_from_pdf(pdf)
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml


def test_jpy_amounts_print_without_decimals(setup):
    invoice = setup.invoiced(currency="JPY", total_budget="1000000")

    text = text_of(invoice_pdf(invoice))

    assert "¥200,000" in text and "¥238,000" in text
    assert "¥200,000.00" not in text and "¥238,000.00" not in text


def test_invoice_renders_in_the_clients_language(setup):
    setup.client.language = "de"
    setup.client.save()
    invoice = setup.invoiced()
    assert invoice.language == "de"

    text = text_of(invoice_pdf(invoice))

    assert "2.380,00 €" in text  # German number format from the invoice's language
    assert PdfReader(io.BytesIO(invoice_pdf(invoice))).trailer["/Root"]["/Lang"] == "de"


def test_invoice_pdf_renders_in_under_five_seconds(setup):
    """A loose guard; the real figure (well under a second) comes from bench/invoice_pdf.py."""
    invoice = setup.invoiced()
    invoice_pdf(invoice)  # first render loads fonts and libraries

    started = time.perf_counter()
    invoice_pdf(invoice)

    assert time.perf_counter() - started < 5


def test_the_fetcher_serves_static_files_and_refuses_the_network():
    fetcher = _fetcher()

    css = fetcher.fetch("file:///static/billing/invoice.css")
    assert b"@page" in css.read()
    css.close()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in (
        "https://fonts.example.com/font.woff2",
        "http://127.0.0.1:8000/static/billing/invoice.css",
        "ftp://example.com/x",
        "file:///etc/passwd",
        "file:///static/../../etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_proposal_pdf_prints_the_plan(setup, caplog):
    project = setup.project()
    project = Project.objects.select_related("organisation", "client").get(pk=project.pk)

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = proposal_pdf(project)

    assert weasyprint_warnings(caplog) == []  # web/print.css was served from the static files

    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    assert "Acme webshop" in text and "Prepared for" in text and "Acme Shop" in text
    for title in project.milestones.values_list("title", flat=True):
        assert title in text
    assert "€10,000.00" in text
    assert "Print" not in text  # the browser's buttons are for the screen only
    assert PdfReader(io.BytesIO(pdf)).attachments == {}
