"""IBANs, BICs and VAT ids, read with python-stdnum.

Each cleaner takes what a person typed and returns the compact form that is stored (``""`` for an
empty value), or raises ``ValueError`` with a message for people. VAT ids with the prefix of an EU
member state (EL for Greece, XI for Northern Ireland) are checked digit by digit; others (CHE…,
GB…, NO…) are kept as typed, since no EU rule says what they look like.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.util import clean

#: The VAT id prefixes of the EU's VIES: ISO 3166 codes, except Greece (EL) and Northern Ireland.
EU_VAT_PREFIXES = frozenset(
    {code.upper() for code in stdnum_vat.MEMBER_STATES if code != "gr"} | {"EL"}
)


def iban(value: Any) -> str:
    """ISO 13616: the country's length and format, and the check digits."""
    number = stdnum_iban.compact(str(value or ""))
    if not number:
        return ""
    try:
        return stdnum_iban.validate(number)
    except InvalidChecksum:
        raise ValueError(_("This IBAN is not valid (check digits).")) from None
    except ValidationError:
        raise ValueError(_("This IBAN is not valid (length or format).")) from None


def bic(value: Any) -> str:
    """ISO 9362: bank, country and location codes, and an optional branch."""
    number = stdnum_bic.compact(str(value or ""))
    if not number:
        return ""
    try:
        return stdnum_bic.validate(number)
    except InvalidLength:
        raise ValueError(_("A BIC has 8 or 11 characters.")) from None
    except ValidationError:
        raise ValueError(_("This BIC is not valid.")) from None


def vat_id(value: Any) -> str:
    """An EU VAT id in its compact form, checked for its country; any other id as typed."""
    text = str(value or "").strip()
    if compact_vat_id(text)[:2] not in EU_VAT_PREFIXES:
        return text
    try:
        return stdnum_vat.validate(text)
    except InvalidChecksum:
        raise ValueError(_("This VAT id is not valid (check digit).")) from None
    except ValidationError:
        raise ValueError(
            _("This VAT id is not valid for its country (%(prefix)s).")
            % {"prefix": compact_vat_id(text)[:2]}
        ) from None


def compact_vat_id(value: Any) -> str:
    """``de 123 456 788`` → ``DE123456788``: without blanks, dots, slashes or dashes.

    Only the separators go, whatever the country: an issued invoice's VAT ids print and export as
    they were stored.
    """
    return clean(str(value or ""), " -./,").upper().strip()


def compact_iban(value: Any) -> str:
    return stdnum_iban.compact(str(value or ""))


def compact_bic(value: Any) -> str:
    return stdnum_bic.compact(str(value or ""))


def group_iban(value: Any) -> str:
    """``DE89370400440532013000`` → ``DE89 3704 0044 0532 0130 00`` for people to read."""
    return stdnum_iban.format(compact_iban(value))
