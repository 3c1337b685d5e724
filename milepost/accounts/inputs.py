"""What each account write takes, declared once (``core/inputs.py``).

The services clean with these declarations; the forms (``web/forms.py``) and the API serializers
(``api/account_serializers.py``) carry only types and widgets, and read them only to show them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from milepost.core import identifiers
from milepost.core.inputs import (
    Field,
    Input,
    boolean,
    country,
    currency,
    one_of,
    rate,
    text,
    whole_number,
)

from .models import Role, normalize_email


def email(value: Any) -> str:
    """An address as accounts store it (``normalize_email``); empty stays empty."""
    address = normalize_email(text(value))
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise ValueError(_("Enter a valid email address.")) from None
    return address


#: Fields checked digit by digit since issue 11: one stored before and sent back unchanged is kept
#: (``Input.clean(stored=…)``), so an older value never blocks saving the other fields.
IDENTIFIERS = ("vat_id", "iban", "bic")


def stored_identifiers(instance: Any) -> dict[str, str]:
    """The identifiers ``instance`` (an organisation or a client) has stored."""
    return {name: getattr(instance, name) for name in IDENTIFIERS if hasattr(instance, name)}


ORGANISATION = Input(
    name=Field(text, required=True, max_length=200),
    legal_name=Field(text, max_length=200),
    street=Field(text, max_length=200),
    postcode=Field(text, max_length=20),
    city=Field(text, max_length=100),
    vat_id=Field(identifiers.vat_id, max_length=40),
    country=Field(country, required=True, html={"maxlength": "2"}),
    default_currency=Field(currency, required=True, html={"maxlength": "3"}),
    tax_rate=rate(required=True),
    payment_terms_days=whole_number(365, required=True),
    invoice_prefix=Field(text, required=True, max_length=10),
    bank_account_holder=Field(text, max_length=200),
    iban=Field(identifiers.iban, html={"maxlength": "42"}),  # room for the blanks people type
    bic=Field(identifiers.bic, html={"maxlength": "14"}),  # "COBA DE FF XXX", as printed
    email=Field(email, max_length=254),
    sequential_gating=Field(boolean),
    pay_before_next=Field(boolean),
    auto_approve_days=whole_number(365, required=True),
    default_revision_quota=whole_number(100, required=True),
    default_support_window_days=whole_number(365, required=True),
)

CLIENT = Input(
    name=Field(text, required=True, max_length=200),
    street=Field(text, max_length=200),
    postcode=Field(text, max_length=20),
    city=Field(text, max_length=100),
    vat_id=Field(identifiers.vat_id, max_length=40),
    country=Field(country, html={"maxlength": "2"}),
    tax_rate=rate(),
    reverse_charge=Field(boolean),
    language=Field(
        one_of(dict(settings.LANGUAGES), _("Choose one of the languages Milepost speaks."))
    ),
)

#: A person invited as a client contact (or, with a role, as a member).
INVITATION = Input(
    email=Field(email, required=True, max_length=254),
    name=Field(text, max_length=150),
)

MEMBER_INVITATION = Input(
    **INVITATION.fields,
    role=Field(one_of(Role.values, _("Choose a valid role.")), required=True),
)
