"""IBANs, BICs and VAT ids read with python-stdnum: stored compact, refused with a reason."""

from __future__ import annotations

import pytest

from milepost.core import identifiers


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("de89370400440532013000", "DE89370400440532013000"),
        ("GB82-WEST-1234-5698-7654-32", "GB82WEST12345698765432"),
        ("", ""),
        (None, ""),
    ],
)
def test_an_iban_is_stored_compact(typed, stored):
    assert identifiers.iban(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("DE89370400440532013001", "check digits"),
        ("DE41370400440532013", "length or format"),  # check digits right, too short for DE
        ("XX89370400440532013000", "check digits"),
    ],
)
def test_an_invalid_iban_is_refused_with_its_reason(typed, reason):
    with pytest.raises(ValueError, match=reason):
        identifiers.iban(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("cobadeffxxx", "COBADEFFXXX"), ("COBA DE FF", "COBADEFF"), ("", "")],
)
def test_a_bic_is_stored_compact(typed, stored):
    assert identifiers.bic(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("COBADEF", "8 or 11 characters"),
        ("1OBADEFF", "not valid"),
        ("COBAXXFF", "not valid"),  # XX is no country
    ],
)
def test_an_invalid_bic_is_refused(typed, message):
    with pytest.raises(ValueError, match=message):
        identifiers.bic(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("de 123 456 788", "DE123456788"),
        ("IE6388047V", "IE6388047V"),
        ("FR 40 303 265 045", "FR40303265045"),
        ("ATU12345675", "ATU12345675"),
        ("CHE-123.456.788 MWST", "CHE-123.456.788 MWST"),  # not an EU prefix: kept as typed
        ("", ""),
    ],
)
def test_an_eu_vat_id_is_checked_and_stored_compact(typed, stored):
    assert identifiers.vat_id(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("DE123456789", "check digit"),
        ("DE1", "for its country"),
        ("IE999", "for its country"),
        ("EL12345", "for its country"),  # Greece
    ],
)
def test_an_invalid_eu_vat_id_is_refused(typed, reason):
    with pytest.raises(ValueError, match=reason):
        identifiers.vat_id(typed)


def test_compact_forms_for_documents():
    assert identifiers.compact_vat_id(" de 123.456-788 ") == "DE123456788"
    assert identifiers.group_iban("DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"
    assert identifiers.group_iban("") == ""
    assert identifiers.compact_bic(None) == ""
