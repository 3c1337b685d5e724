"""Money: exact parsing (refuse, never round) and the largest-remainder split."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from milepost.core.money import (
    MAX_MINOR_UNITS,
    MoneyError,
    format_money,
    from_minor,
    minor_digits,
    normalise,
    parse_amount,
    quantum,
    split,
    to_minor,
)

# --- minor units ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("JPY", 0), ("BHD", 3), ("USD", 2)])
def test_minor_digits_follow_iso_4217(currency, digits):
    assert minor_digits(currency) == digits


@pytest.mark.parametrize("currency", ["XYZ", "eur", "", "EURO", "12"])
def test_unknown_currency_raises_money_error(currency):
    with pytest.raises(MoneyError):
        minor_digits(currency)
    with pytest.raises(MoneyError):
        parse_amount("10.00", currency)
    with pytest.raises(MoneyError):
        split(Decimal("10.00"), [1, 1], currency)


def test_money_error_is_a_value_error():
    assert issubclass(MoneyError, ValueError)


# --- parse_amount: accepted -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("2500", "EUR", Decimal("2500.00")),
        ("2500.5", "EUR", Decimal("2500.50")),
        ("  10.05 ", "EUR", Decimal("10.05")),
        ("0.01", "EUR", Decimal("0.01")),
        ("10.050", "EUR", Decimal("10.05")),  # a trailing zero needs no rounding
        (Decimal("12.30"), "EUR", Decimal("12.30")),
        (7, "EUR", Decimal("7.00")),
        ("1e3", "EUR", Decimal("1000.00")),
        ("1000001", "JPY", Decimal("1000001")),
        ("1.0", "JPY", Decimal("1")),
        ("1.005", "BHD", Decimal("1.005")),
        ("0.001", "BHD", Decimal("0.001")),
        ("9999999999.99", "EUR", Decimal("9999999999.99")),
        ("999999999999", "JPY", Decimal("999999999999")),
        ("999999999.999", "BHD", Decimal("999999999.999")),
    ],
)
def test_parse_amount_accepts_exact_amounts(value, currency, expected):
    amount = parse_amount(value, currency)
    assert amount == expected
    assert isinstance(amount, Decimal)
    # Always shown with exactly the currency's decimals.
    assert amount.as_tuple().exponent == -minor_digits(currency)


def test_parse_amount_accepts_zero_only_when_asked():
    assert parse_amount("0", "EUR", allow_zero=True) == Decimal("0.00")
    assert parse_amount("0.00", "EUR", allow_zero=True) == Decimal("0.00")
    with pytest.raises(MoneyError):
        parse_amount("0", "EUR")


# --- parse_amount: refused ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        ("10.005", "EUR"),
        ("0.001", "EUR"),
        ("1.5", "JPY"),
        ("1000.01", "JPY"),
        ("1.0005", "BHD"),
        (Decimal("10.005"), "EUR"),
        ("1e-3", "EUR"),
    ],
)
def test_parse_amount_refuses_amounts_that_would_need_rounding(value, currency):
    with pytest.raises(MoneyError) as exc:
        parse_amount(value, currency)
    assert "decimal" in str(exc.value)


def test_parse_amount_refusal_messages_name_the_decimals():
    with pytest.raises(MoneyError, match="at most 2 decimal places"):
        parse_amount("10.005", "EUR")
    with pytest.raises(MoneyError, match="no decimal places"):
        parse_amount("1.5", "JPY")


@pytest.mark.parametrize("value", [10.0, 10.5, 0.1, float("nan"), float("inf")])
def test_parse_amount_refuses_floats(value):
    with pytest.raises(MoneyError, match="not floating-point"):
        parse_amount(value, "EUR")


@pytest.mark.parametrize("value", ["0", "0.00", "-0", "-0.01", "-5", Decimal("-1"), -3])
def test_parse_amount_refuses_zero_and_negatives(value):
    with pytest.raises(MoneyError, match="greater than zero"):
        parse_amount(value, "EUR")


def test_parse_amount_refuses_negatives_even_when_zero_is_allowed():
    with pytest.raises(MoneyError):
        parse_amount("-0.01", "EUR", allow_zero=True)


@pytest.mark.parametrize(
    "value",
    ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", Decimal("NaN"), Decimal("Infinity")],
)
def test_parse_amount_refuses_nan_and_infinity(value):
    with pytest.raises(MoneyError):
        parse_amount(value, "EUR")


@pytest.mark.parametrize(
    "value",
    ["", "   ", "abc", "10,00", "1,000.00", "€10", "10 EUR", "1.2.3", "--1", None, True, [], {}],
)
def test_parse_amount_refuses_garbage(value):
    with pytest.raises(MoneyError):
        parse_amount(value, "EUR")


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        ("10000000000.00", "EUR"),  # 10^12 cents
        ("10000000000", "EUR"),
        ("1000000000000", "JPY"),
        ("1000000000.000", "BHD"),
        ("1e12", "JPY"),
        ("1e30", "EUR"),  # beyond Decimal's 28-digit precision once quantized
        ("-1e30", "EUR"),
        ("9" * 40, "EUR"),
        ("1e100000", "JPY"),
    ],
)
def test_parse_amount_refuses_amounts_over_the_maximum(value, currency):
    with pytest.raises(MoneyError):
        parse_amount(value, currency)


def test_maximum_is_999_999_999_999_minor_units():
    assert MAX_MINOR_UNITS == 999_999_999_999
    assert to_minor(parse_amount("9999999999.99", "EUR"), "EUR") == MAX_MINOR_UNITS


# --- conversions and formatting -------------------------------------------------------------------


def test_minor_unit_round_trip():
    assert to_minor(Decimal("25.50"), "EUR") == 2550
    assert to_minor(Decimal("1.005"), "BHD") == 1005
    assert to_minor(Decimal("1000"), "JPY") == 1000
    assert from_minor(2550, "EUR") == Decimal("25.50")
    assert str(from_minor(1005, "BHD")) == "1.005"
    assert str(from_minor(7, "JPY")) == "7"


def test_normalise_and_format():
    assert str(normalise(Decimal("2500.000"), "EUR")) == "2500.00"
    assert str(normalise(Decimal("2500.000"), "JPY")) == "2500"
    assert format_money(Decimal("2500"), "EUR") == "€2,500.00"
    assert format_money(Decimal("500"), "EUR", "en") == "€500.00"


# --- split ----------------------------------------------------------------------------------------


def test_split_website_template_shares_in_eur():
    parts = split(Decimal("10000.00"), [20, 25, 30, 15, 10], "EUR")
    assert parts == [Decimal(x) for x in ("2000.00", "2500.00", "3000.00", "1500.00", "1000.00")]


def test_split_gives_the_leftover_to_the_largest_remainders():
    # 1,000,001 yen: exact shares 200000.2, 250000.25, 300000.3, 150000.15, 100000.1
    parts = split(Decimal("1000001"), [20, 25, 30, 15, 10], "JPY")
    assert parts == [Decimal(x) for x in ("200000", "250000", "300001", "150000", "100000")]
    assert sum(parts) == Decimal("1000001")


def test_split_ties_go_to_the_earlier_part():
    assert split(Decimal("0.02"), [1, 1, 1], "EUR") == [
        Decimal("0.01"),
        Decimal("0.01"),
        Decimal("0.00"),
    ]
    assert split(Decimal("100"), [1, 1, 1], "JPY") == [Decimal(34), Decimal(33), Decimal(33)]


def test_split_accepts_decimal_and_string_shares():
    parts = split(Decimal("100.00"), [Decimal("33.3333"), "33.3333", Decimal("33.3334")], "EUR")
    assert sum(parts) == Decimal("100.00")
    assert parts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def test_split_zero_shares_get_nothing():
    assert split(Decimal("10.00"), [0, 1, 0], "EUR") == [
        Decimal("0.00"),
        Decimal("10.00"),
        Decimal("0.00"),
    ]


@pytest.mark.parametrize("shares", [[], [0], [0, 0], [1, -1], [-1]])
def test_split_refuses_shares_that_do_not_add_up_to_more_than_zero(shares):
    with pytest.raises(MoneyError):
        split(Decimal("10.00"), shares, "EUR")


share = st.one_of(
    st.integers(min_value=0, max_value=1_000_000),
    st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False),
)
shares_lists = st.lists(share, min_size=1, max_size=20).filter(lambda s: sum(s) > 0)


@settings(max_examples=200, deadline=None)
@given(
    units=st.integers(min_value=1, max_value=10**12),
    shares=shares_lists,
    currency=st.sampled_from(["EUR", "JPY", "BHD"]),
)
def test_split_adds_up_exactly_and_each_part_is_within_one_minor_unit(units, shares, currency):
    total = from_minor(units, currency)
    parts = split(total, shares, currency)

    assert len(parts) == len(shares)
    assert sum(parts) == total  # exactly, in Decimal
    assert sum(to_minor(p, currency) for p in parts) == units
    weight_sum = sum(Fraction(s) for s in shares)
    for part, s in zip(parts, shares, strict=True):
        assert part.as_tuple().exponent == -minor_digits(currency)
        assert part >= 0
        exact = Fraction(units) * Fraction(s) / weight_sum
        assert abs(Fraction(to_minor(part, currency)) - exact) < 1
        if s == 0:
            assert part == 0


@settings(max_examples=200, deadline=None)
@given(
    units=st.integers(min_value=1, max_value=MAX_MINOR_UNITS),
    currency=st.sampled_from(["EUR", "JPY", "BHD"]),
)
def test_parse_amount_round_trips_every_valid_amount(units, currency):
    amount = from_minor(units, currency)
    assert parse_amount(str(amount), currency) == amount
    assert parse_amount(amount, currency) == amount


# --- split with at least one minor unit per part -------------------------------------------------


def test_split_five_cents_over_the_website_template_gives_one_cent_each():
    parts = split(Decimal("0.05"), [20, 25, 30, 15, 10], "EUR", at_least_one_unit=True)
    assert parts == [Decimal("0.01")] * 5


def test_split_at_least_one_unit_changes_nothing_when_every_share_is_big_enough():
    shares = [20, 25, 30, 15, 10]
    for total, currency in (("1000001", "JPY"), ("10000.00", "EUR"), ("7.777", "BHD")):
        assert split(Decimal(total), shares, currency, at_least_one_unit=True) == split(
            Decimal(total), shares, currency
        )


def test_split_at_least_one_unit_leaves_zero_shares_at_zero():
    parts = split(Decimal("0.03"), [0, 1, 1000, 0, 1], "EUR", at_least_one_unit=True)
    assert parts == [Decimal(x) for x in ("0.00", "0.01", "0.01", "0.00", "0.01")]


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    shares=shares_lists,
    currency=st.sampled_from(["EUR", "JPY", "BHD"]),
)
def test_split_gives_every_positive_share_a_minor_unit_whenever_the_total_allows(
    data, shares, currency
):
    positive = sum(1 for s in shares if s > 0)
    units = data.draw(
        st.one_of(
            st.integers(min_value=positive, max_value=positive + 50),
            st.integers(min_value=positive, max_value=10**12),
        )
    )
    total = from_minor(units, currency)
    parts = split(total, shares, currency, at_least_one_unit=True)

    assert sum(parts) == total
    assert all(p.as_tuple().exponent == -minor_digits(currency) for p in parts)
    weight_sum = sum(Fraction(s) for s in shares)
    exact = [Fraction(units) * Fraction(s) / weight_sum for s in shares]
    for part, s in zip(parts, shares, strict=True):
        if s > 0:
            assert part >= quantum(currency)
        else:
            assert part == 0
    if all(e >= 1 for e, s in zip(exact, shares, strict=True) if s > 0):
        # No share needed lifting: the plain largest-remainder answer, within one unit of exact.
        assert parts == split(total, shares, currency)
        assert all(
            abs(Fraction(to_minor(p, currency)) - e) < 1 for p, e in zip(parts, exact, strict=True)
        )
    else:
        # Only parts that would have been below one unit are lifted, and lifted to exactly one.
        for part, e, s in zip(parts, exact, shares, strict=True):
            if s > 0 and e < 1:
                assert to_minor(part, currency) == 1
