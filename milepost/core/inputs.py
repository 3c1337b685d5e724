"""Declared inputs: every field of a write is declared once, with what it must be.

A write's :class:`Input` names its fields. Each :class:`Field` says whether it is required, how
long it may be, and how its value is read: ``parse`` returns the clean value or raises
``ValueError`` with a message for people. The service cleans with the declaration and reports
every problem at once as ``InvalidInput(details={field: [message]})``, which the API answers as
400 and the web shows next to the fields (``web/forms.apply_errors``).

Forms and serializers carry only types and widgets. They read a declaration only to show it (the
required marker, ``maxlength``, ``min``/``max`` in forms; ``required`` and ``maxLength`` in the
OpenAPI document), never to refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from .errors import FIELDS_INVALID, InvalidInput
from .locale import is_country, is_currency


@dataclass(frozen=True)
class Field:
    """One input field: how it is read, whether it is required, how long it may be."""

    parse: Callable[[Any], Any]
    required: bool = False
    max_length: int | None = None
    #: How a form shows the rule (``min``, ``max``, ``step``); never enforced there.
    html: Mapping[str, str] = field(default_factory=dict)

    def clean(self, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(_("Null characters are not allowed."))
        if self.required and (value is None or (isinstance(value, str) and not value.strip())):
            raise ValueError(_("This field is required."))
        value = self.parse(value)
        if self.max_length is not None and isinstance(value, str) and len(value) > self.max_length:
            raise ValueError(_("At most %(max)s characters.") % {"max": self.max_length})
        return value

    @property
    def attrs(self) -> dict[str, str]:
        """The widget attributes that show the rule to people."""
        attrs = dict(self.html)
        if self.max_length is not None:
            attrs["maxlength"] = str(self.max_length)
        return attrs


class Input:
    """The declared fields of one write (``accounts/inputs.py`` …)."""

    def __init__(self, **fields: Field) -> None:
        self.fields: dict[str, Field] = fields

    def __contains__(self, name: str) -> bool:
        return name in self.fields

    def __getitem__(self, name: str) -> Field:
        return self.fields[name]

    def clean(
        self,
        data: Mapping[str, Any],
        *,
        partial: bool = False,
        stored: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The clean values of the fields given; every problem at once as ``InvalidInput``.

        ``partial`` (an update): a required field may be left out, but not given empty.
        ``stored`` (an update): values kept from before; one sent back unchanged is kept as it is,
        so a value stored before a rule was stricter never blocks saving the other fields.
        """
        errors = {name: [_("Unknown field.")] for name in sorted(set(data) - set(self.fields))}
        cleaned: dict[str, Any] = {}
        for name, rule in self.fields.items():
            if name not in data:
                if rule.required and not partial:
                    errors[name] = [_("This field is required.")]
                continue
            if stored and stored.get(name) and text(data[name]) == stored[name]:
                cleaned[name] = stored[name]
                continue
            try:
                cleaned[name] = rule.clean(data[name])
            except ValueError as error:
                errors[name] = [str(error)]
        if errors:
            raise InvalidInput(str(FIELDS_INVALID), details=errors)
        return cleaned


# --- parsers: what people type → the value stored, or ValueError --------------------------------


def text(value: Any) -> str:
    """Trimmed text with ``\\n`` line ends (a browser sends ``\\r\\n``); None is empty."""
    raw = str(value if value is not None else "")
    return raw.replace("\r\n", "\n").replace("\r", "\n").strip()


def upper(value: Any) -> str:
    return text(value).upper()


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("Must be true or false."))
    return value


def country(value: Any) -> str:
    """A two-letter ISO 3166 code, upper-cased; empty stays empty."""
    code = upper(value)
    if code and not is_country(code):
        raise ValueError(_("Use a two-letter ISO 3166 code, such as DE or FR."))
    return code


def currency(value: Any) -> str:
    code = upper(value)
    if not is_currency(code):
        raise ValueError(_("Use an ISO 4217 currency code, such as EUR."))
    return code


def percentage(value: Any) -> Decimal | None:
    """A rate from 0 to 100 with at most 2 decimals; empty is None."""
    if value is None or text(value) == "":
        return None
    try:
        rate = Decimal(text(value))
        if not (0 <= rate <= 100) or rate.as_tuple().exponent < -2:
            raise InvalidOperation
    except InvalidOperation:
        raise ValueError(_("A percentage between 0 and 100 with at most 2 decimals.")) from None
    return rate


def one_of(values: Mapping[str, Any] | list[str], message: str) -> Callable[[Any], str]:
    """One of ``values`` (or empty)."""

    def parse(value: Any) -> str:
        choice = text(value)
        if choice and choice not in values:
            raise ValueError(message)
        return choice

    return parse


def whole_number(maximum: int, *, required: bool = False) -> Field:
    """A whole number from 0 to ``maximum`` (a JSON or form integer, never a boolean)."""

    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            raise ValueError(_("A whole number from 0 to %(max)s.") % {"max": maximum})
        return value

    return Field(parse, required=required, html={"min": "0", "max": str(maximum)})


def rate(*, required: bool = False) -> Field:
    """A percentage from 0 to 100 with 2 decimals, shown as a number input with a 0.01 step."""
    return Field(percentage, required=required, html={"min": "0", "max": "100", "step": "0.01"})
