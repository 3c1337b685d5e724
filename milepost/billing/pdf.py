"""PDFs: invoices as Factur-X (PDF/A-3b with the EN 16931 XML inside) and the printable plan.

Both are HTML templates laid out by WeasyPrint. Rendering never touches the network: the URL
fetcher serves ``data:`` URLs, static files (``{% static %}`` URLs, through the storage or the
finders) and local fonts, and refuses everything else. Fonts come from fontconfig: DejaVu, from
Debian's fonts-dejavu-core (``scripts/system-packages.sh`` installs it).
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from milepost.core.identifiers import compact_bic, group_iban

from .einvoice import cii_xml, delivery_date, due_amount, vat_category
from .models import Invoice, InvoiceKind

# WeasyPrint logs seven "Step n" lines at INFO for every PDF: keep them out of the INFO logs
# unless the LOGGING setting gives the logger a level of its own.
if logging.getLogger("weasyprint.progress").level == logging.NOTSET:
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
BASE_URL = "file:///"  # "/static/…" from {% static %} becomes file:///static/…, mapped below


def _static_path(url_path: str) -> Path | None:
    """The local file behind a ``STATIC_URL`` path (collected, or found in the app folders)."""
    prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/"
    if not url_path.startswith(prefix):
        return None
    name = url_path[len(prefix) :]
    if ".." in Path(name).parts:
        return None
    try:
        if staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name))
    except NotImplementedError:  # a remote storage has no local path
        pass
    found = finders.find(name)
    return Path(found) if found else None


def _local_file(url: str) -> Path | None:
    path = unquote(urlsplit(url).path)
    static = _static_path(path)
    if static is not None:
        return static
    candidate = Path(path).resolve()
    if any(candidate.is_relative_to(root) for root in FONT_DIRS) and candidate.is_file():
        return candidate
    return None


def _fetcher():
    """A WeasyPrint URL fetcher that reads static files and fonts and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = _local_file(url)
                if path is not None:
                    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
                    )
            raise ValueError(f"Not fetched (PDFs use local static files only): {url}")

    return LocalOnlyFetcher(allowed_protocols=("data", "file"))


def _write_pdf(html: str, **options) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf(**options)


def _language(code: str) -> str:
    return (code or settings.LANGUAGE_CODE).replace("_", "-")


def invoice_html(invoice: Invoice) -> str:
    """The invoice's printable page in its own language (also handy to preview the layout)."""
    seller = invoice.seller or {}
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    category, _reason, _code = vat_category(invoice)
    description = invoice.description or {}
    context = {
        "invoice": invoice,
        "credit_note": credit_note,
        "seller": seller,
        "buyer": invoice.buyer or {},
        "description": description,
        "cancels": description.get("cancels") or getattr(invoice.credit_note_for, "number", ""),
        "net": invoice.amount("net"),
        "tax": invoice.amount("tax"),
        "gross": invoice.amount("gross"),
        "paid": invoice.amount("paid"),
        "due": due_amount(invoice),
        "tax_rate": invoice.tax_rate,
        "vat_category": category,
        "iban": group_iban(seller.get("iban", "")),
        "bic": compact_bic(seller.get("bic")),
        "delivery_date": delivery_date(invoice),
    }
    with override(_language(invoice.language)):
        return render_to_string("billing/invoice.html", context)


def invoice_pdf(invoice: Invoice) -> bytes:
    """A Factur-X invoice: PDF/A-3b for people, with ``factur-x.xml`` (EN 16931) for machines."""
    import facturx

    xml = cii_xml(invoice)  # raises EInvoiceError when the XML is not valid against the schema
    pdf = _write_pdf(invoice_html(invoice), pdf_variant="pdf/a-3b")
    seller_name = (invoice.seller or {}).get("name", "")
    with override(_language(invoice.language)):
        kind = _("Credit note") if invoice.kind == InvoiceKind.CREDIT_NOTE else _("Invoice")
        metadata = {
            "author": seller_name,
            "keywords": "Factur-X, EN 16931, " + str(kind),
            "title": f"{seller_name}: {kind} {invoice.number}",
            "subject": _("%(kind)s %(number)s of %(date)s issued by %(seller)s")
            % {
                "kind": kind,
                "number": invoice.number,
                "date": invoice.issue_date.isoformat(),
                "seller": seller_name,
            },
        }
    return facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata=metadata,
        lang=_language(invoice.language),
    )


def proposal_html(project) -> str:
    """The printable plan (web/project_print.html) in the client's language."""
    milestones = list(project.milestones.all())
    context = {
        "project": project,
        "milestones": milestones,
        "allocated_budget": sum((m.budget for m in milestones), start=0),
        # A contact's copy of a plan being revised (plans.proposals.show_proposal) says so.
        "shows_proposal": hasattr(project, "shown_proposal"),
    }
    language = getattr(project.client, "language", "") or settings.LANGUAGE_CODE
    with override(_language(language)):
        return render_to_string("web/project_print.html", context)


def proposal_pdf(project) -> bytes:
    """The plan as a plain PDF, laid out like the browser's print of the plan page."""
    return _write_pdf(proposal_html(project))
