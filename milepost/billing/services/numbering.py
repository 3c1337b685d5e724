"""Invoice numbers: one gapless sequence per organisation and year."""

from __future__ import annotations

from ..models import InvoiceSequence
from ..rules import invoice_number


def next_number(organisation, year: int) -> tuple[int, str]:
    """Take the next number of the year with the sequence row locked: no gaps, no duplicates."""
    InvoiceSequence.objects.bulk_create(
        [InvoiceSequence(organisation=organisation, year=year)], ignore_conflicts=True
    )
    sequence = InvoiceSequence.objects.select_for_update().get(organisation=organisation, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number, invoice_number(
        organisation.invoice_prefix, year, sequence.last_number
    )
