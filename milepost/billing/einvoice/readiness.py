"""The EN 16931 business rules an invoice's parties cannot satisfy, found before and after issue.

The schema cannot check them (the Schematron does); :func:`party_problems` applies them to the
seller and buyer snapshots, of an issued invoice or of the organisation and a client before any
invoice exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from milepost.core.identifiers import compact_bic, compact_iban, compact_vat_id

from ..models import Invoice
from .terms import party_country, postal_address, vat_category


@dataclass(frozen=True)
class Problem:
    """One EN 16931 rule the data cannot satisfy: which rules, whose data, which field, why."""

    rules: str  # "BR-S-02, BR-CO-26": for tests and logs, not for people
    party: str  # "seller", "buyer" or "invoice"
    field: str  # "address", "vat_id", "country", "amounts"
    message: str  # a sentence for people

    def __str__(self) -> str:
        return f"{self.rules}: {self.message}"

    @property
    def missing(self) -> str:
        """What is missing, as a short noun for a list: "a postal address"."""
        return str(_MISSING.get(self.field, self.message))


_MISSING = {
    "address": gettext_lazy("a postal address"),
    "vat_id": gettext_lazy("a VAT id"),
    "country": gettext_lazy("a country"),
    "iban": gettext_lazy("an IBAN"),
    "bic": gettext_lazy("a BIC"),
}


def party_problems(seller: dict | None, buyer: dict | None, category: str) -> list[Problem]:
    """EN 16931 rules the parties' data breaks for an invoice of VAT ``category``.

    ``seller`` and ``buyer`` are invoice snapshots (``billing.services.seller_snapshot`` /
    ``buyer_snapshot``); a party given as None is not checked, so the organisation or a client
    can be checked alone before any invoice exists.
    """
    found: list[Problem] = []
    if seller is not None:
        if not postal_address(seller):
            found.append(
                Problem("BR-08", "seller", "address", _("The seller's postal address is missing."))
            )
        if not party_country(seller):
            found.append(
                Problem("BR-09", "seller", "country", _("The seller's country is missing."))
            )
        if not compact_vat_id(seller.get("vat_id", "")):
            # BR-CO-26: without a VAT id (or another identifier) the buyer cannot tell who sold.
            found.append(
                Problem(
                    f"BR-{category}-02, BR-CO-26",
                    "seller",
                    "vat_id",
                    _("The seller's VAT id is missing."),
                )
            )
    if buyer is not None:
        if not postal_address(buyer):
            found.append(
                Problem("BR-10", "buyer", "address", _("The buyer's postal address is missing."))
            )
        if not party_country(buyer):
            found.append(Problem("BR-11", "buyer", "country", _("The buyer's country is missing.")))
        if category == "AE" and not compact_vat_id(buyer.get("vat_id", "")):
            found.append(
                Problem(
                    "BR-AE-02",
                    "buyer",
                    "vat_id",
                    _("Reverse charge needs the buyer's VAT id, which is missing."),
                )
            )
    return found


def payment_problems(seller: dict, currency: str) -> list[Problem]:
    """What keeps invoices in ``currency`` from telling the buyer where to transfer the money.

    Not an EN 16931 breach (without an IBAN the payment means is "not defined", code 1), but the
    client cannot pay by transfer: BG-17 needs the seller's IBAN (BT-84). Inside SEPA, euros need
    no BIC (BT-86); any other currency travels as an international transfer, which does.
    """
    found: list[Problem] = []
    if not compact_iban(seller.get("iban", "")):
        found.append(
            Problem(
                "BG-17, BT-84",
                "seller",
                "iban",
                _("The seller's IBAN is missing: invoices cannot say where to transfer the money."),
            )
        )
    if currency != "EUR" and not compact_bic(seller.get("bic", "")):
        found.append(
            Problem(
                "BT-86",
                "seller",
                "bic",
                _("The seller's BIC is missing: transfers in %(currency)s need it.")
                % {"currency": currency},
            )
        )
    return found


def invoice_problems(invoice: Invoice) -> list[Problem]:
    """EN 16931 business rules this invoice's data breaks (the schema alone does not see them).

    An empty list means the data has everything the rules we can foresee ask for.
    """
    category, _reason, _code = vat_category(invoice)
    found = party_problems(invoice.seller or {}, invoice.buyer or {}, category)
    if invoice.amount("net").as_tuple().exponent < -2:
        found.append(
            Problem(
                "BR-DEC",
                "invoice",
                "amounts",
                _("EN 16931 amounts have at most 2 decimals (%(currency)s has more).")
                % {"currency": invoice.currency},
            )
        )
    return found


def problems(invoice: Invoice) -> list[str]:
    """:func:`invoice_problems` as ``"BR-…: message"`` lines, for logs and tests."""
    return [str(problem) for problem in invoice_problems(invoice)]
