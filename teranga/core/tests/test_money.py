from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teranga.core.money import Money, format_money


def test_xof_has_no_minor_unit():
    assert Money.from_major("1500", "XOF") == Money(1500, "XOF")
    with pytest.raises(ValueError):
        Money.from_major("1500.5", "XOF")


def test_eur_has_cents():
    assert Money.from_major("12.50", "EUR") == Money(1250, "EUR")
    assert Money(1250, "EUR").major == Decimal("12.50")


def test_formatting_fr_sn_and_fr_fr():
    # Babel uses narrow no-break spaces as group separators in French.
    assert (
        format_money(Money(1500, "XOF")).replace("\u202f", " ").replace("\xa0", " ")
        == "1 500 F CFA"
    )
    assert format_money(Money(1250, "EUR")).replace("\xa0", " ") == "12,50 €"
    assert Money(1250, "EUR").format("fr_FR").replace("\xa0", " ") == "12,50 €"


def test_mixing_currencies_is_refused():
    with pytest.raises(ValueError):
        Money(1, "XOF") + Money(1, "EUR")
    with pytest.raises(ValueError):
        Money(1, "USD")
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["XOF", "EUR"]))
def test_round_trip_through_major_units(amount, currency):
    money = Money(amount, currency)
    assert Money.from_major(money.major, currency) == money
