"""Money as Decimal in a currency's minor unit. Pure functions: no ORM, no floats."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision

from .locale import is_currency

#: The largest amount we accept, in the currency's minor unit (cents for EUR, yen for JPY).
MAX_MINOR_UNITS = 999_999_999_999


class MoneyError(ValueError):
    """An amount that cannot be used as money in its currency."""


def minor_digits(currency: str) -> int:
    """Decimal places of the currency's minor unit (ISO 4217): EUR 2, JPY 0, BHD 3."""
    if not is_currency(currency):
        raise MoneyError(f"Unknown currency {currency!r}: use an ISO 4217 code such as EUR.")
    return get_currency_precision(currency)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_digits(currency))


def parse_amount(value: object, currency: str, *, allow_zero: bool = False) -> Decimal:
    """Turn user input into an exact amount, refusing what would need rounding.

    ``"10.005"`` in EUR is refused, never rounded silently.
    """
    if isinstance(value, float):
        raise MoneyError("Send amounts as strings or decimals, not floating-point numbers.")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise MoneyError("Enter an amount such as 2500.00.") from None
    if not amount.is_finite():
        raise MoneyError("Enter an amount such as 2500.00.")
    digits = minor_digits(currency)
    try:
        exact = amount.quantize(quantum(currency), rounding=ROUND_FLOOR)
    except InvalidOperation:  # more digits than Decimal's precision: far beyond the maximum
        raise MoneyError("The amount is too large.") from None
    if amount != exact:
        raise MoneyError(
            f"{currency} amounts have at most {digits} decimal place{'s' if digits != 1 else ''}."
            if digits
            else f"{currency} amounts have no decimal places."
        )
    if amount < 0 and allow_zero:
        raise MoneyError("The amount must be 0 or more.")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise MoneyError("The amount must be greater than zero.")
    if to_minor(amount, currency) > MAX_MINOR_UNITS:
        raise MoneyError("The amount is too large.")
    return amount.quantize(quantum(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(minor_digits(currency)))


def from_minor(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-minor_digits(currency)).quantize(quantum(currency))


def normalise(amount: Decimal, currency: str) -> Decimal:
    """Show a stored amount with exactly the currency's decimals (``2500.000`` → ``2500.00``)."""
    return Decimal(amount).quantize(quantum(currency))


def split(
    total: Decimal,
    shares: Sequence[Decimal | int],
    currency: str,
    *,
    at_least_one_unit: bool = False,
) -> list[Decimal]:
    """Split ``total`` by ``shares`` with the largest-remainder method, in minor units.

    The parts always add up to the total exactly, and each is within one minor unit of its exact
    share. Ties go to the earlier part.

    With ``at_least_one_unit``, every part with a positive share gets at least one minor unit
    whenever the total has one for each of them (0.05 EUR over five parts: 0.01 each): parts
    whose share is below one unit get exactly one, and the rest is split among the others.
    When every share is at least one unit already, the answer is the same as without it.
    """
    weights = [Decimal(s) for s in shares]
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise MoneyError("Shares must be non-negative and add up to more than zero.")
    units = to_minor(normalise(total, currency), currency)
    lifted: set[int] = set()
    if at_least_one_unit and units >= sum(1 for w in weights if w > 0):
        lifted = _parts_below_one_unit(units, weights)
    free = [0 if i in lifted else w for i, w in enumerate(weights)]
    parts = _largest_remainder(units - len(lifted), free)
    return [from_minor(u + (i in lifted), currency) for i, u in enumerate(parts)]


def _largest_remainder(units: int, weights: list[Decimal]) -> list[int]:
    weight_sum = sum(weights)
    exact = [Decimal(units) * w / weight_sum for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    left = units - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def _parts_below_one_unit(units: int, weights: list[Decimal]) -> set[int]:
    """The positive parts to lift to one unit, until each other part's share is at least one.

    Needs ``units`` >= the number of positive weights; then some positive part always stays
    free (their shares add up to what is left, at least one unit each), so the loop ends.
    """
    lifted: set[int] = set()
    while True:
        free = [i for i, w in enumerate(weights) if w > 0 and i not in lifted]
        left = units - len(lifted)
        weight_sum = sum(weights[i] for i in free)
        below = {i for i in free if left * weights[i] < weight_sum}
        if not below:
            return lifted
        lifted |= below


@lru_cache(maxsize=4096)
def format_money(amount: Decimal, currency: str, locale: str = "en") -> str:
    """``€2,500.00`` for people; amounts in JSON stay plain strings.

    Memoised: pages show the same budgets over and over, and Babel takes about 10 µs a call.
    Equal amounts (2500 and 2500.00) format the same, so they may share an entry.
    """
    return format_currency(normalise(amount, currency), currency, locale=locale.replace("-", "_"))
