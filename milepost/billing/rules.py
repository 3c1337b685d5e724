"""Invoice arithmetic and numbering formats. Pure: no ORM."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from milepost.core.money import normalise, quantum

REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient "
    "(Article 196, Council Directive 2006/112/EC)."
)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax_rate: Decimal
    tax: Decimal
    gross: Decimal


def totals(net: Decimal, tax_rate: Decimal, currency: str) -> Totals:
    """Net, tax rounded half-up to the minor unit, and gross = net + tax exactly."""
    net = normalise(net, currency)
    rate = Decimal(tax_rate)
    tax = (net * rate / 100).quantize(quantum(currency), rounding=ROUND_HALF_UP)
    return Totals(net=net, tax_rate=rate, tax=tax, gross=net + tax)


def invoice_number(prefix: str, year: int, sequence: int) -> str:
    """``INV-2026-0001``: per organisation and year, without gaps."""
    return f"{prefix}-{year}-{sequence:04d}"
