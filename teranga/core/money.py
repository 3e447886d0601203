"""Money as integer minor units plus an ISO 4217 currency.

XOF has no minor unit (1 500 F CFA is stored as 1500); EUR has cents (12,50 € is 1250).
Never multiply XOF by 100: the exponent comes from ``CURRENCY_EXPONENTS``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from babel.numbers import format_currency

CURRENCY_EXPONENTS: dict[str, int] = {"XOF": 0, "EUR": 2}
CURRENCY_CHOICES = [("XOF", "Franc CFA (XOF)"), ("EUR", "Euro (EUR)")]
DEFAULT_LOCALE_FOR_CURRENCY = {"XOF": "fr_SN", "EUR": "fr_FR"}


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise ValueError(f"unsupported currency {currency!r}") from None


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount is an integer number of minor units")
        exponent(self.currency)

    @classmethod
    def from_major(cls, value: Decimal | int | str, currency: str) -> Money:
        """``Money.from_major("12.50", "EUR")`` -> 1250 cents. Rejects sub-unit values."""
        scaled = Decimal(str(value)).scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more precision than {currency} allows")
        return cls(int(scaled), currency)

    @property
    def major(self) -> Decimal:
        return Decimal(self.amount).scaleb(-exponent(self.currency))

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def format(self, locale: str | None = None) -> str:
        """Formatted for people: ``1 500 F CFA`` (fr_SN), ``12,50 €`` (fr_FR)."""
        return format_money(self, locale)

    def as_dict(self) -> dict:
        return {"amount": self.amount, "currency": self.currency, "display": self.format()}


def format_money(money: Money, locale: str | None = None) -> str:
    locale = locale or DEFAULT_LOCALE_FOR_CURRENCY.get(money.currency, "fr_FR")
    return _formatted(money.amount, money.currency, locale)


@functools.lru_cache(maxsize=8192)
def _formatted(amount: int, currency: str, locale: str) -> str:
    # Babel parses the locale's pattern on every call (about 0.3 ms); a page of 20 items
    # shows up to 60 amounts, and prices repeat, so each text is made once per process.
    return format_currency(Money(amount, currency).major, currency, locale=locale)


# --- Conversion -----------------------------------------------------------------------------

#: Exchange rates between the supported currencies: ``(from, to) -> units of ``to`` for
#: one unit of ``from``, in major units, as an exact fraction. Only fixed pegs live here:
#: the franc CFA (XOF) is pegged to the euro at 655.957 F CFA = 1 € (BCEAO, since 1999),
#: so conversions are exact and timeless. A floating rate (a currency added later) needs
#: a dated rates table and its source, not an entry here: pure code (matching's scorer)
#: calls :func:`convert`, so it must not depend on the clock or the database.
EXCHANGE_RATES: dict[tuple[str, str], Fraction] = {
    ("EUR", "XOF"): Fraction(655957, 1000),
    ("XOF", "EUR"): Fraction(1000, 655957),
}
ROUND_HALF_UP, ROUND_DOWN, ROUND_UP = "half_up", "down", "up"


def exchange_rate(from_currency: str, to_currency: str) -> Fraction | None:
    """Units of ``to_currency`` for one unit of ``from_currency`` (major units); 1 for the
    same currency; None when no rate is known."""
    exponent(from_currency), exponent(to_currency)
    if from_currency == to_currency:
        return Fraction(1)
    return EXCHANGE_RATES.get((from_currency, to_currency))


def convert(
    amount: int, from_currency: str, to_currency: str, *, rounding: str = ROUND_HALF_UP
) -> int:
    """``amount`` minor units of ``from_currency`` in minor units of ``to_currency``,
    exactly (fractions), then rounded (``half_up`` by default; ``down``/``up`` for bounds).
    ``convert(100, "EUR", "XOF")`` (1 €) is 656; ``convert(655957, "XOF", "EUR")`` is
    100000 (1 000 €). ValueError when no rate is known."""
    rate = exchange_rate(from_currency, to_currency)
    if rate is None:
        raise ValueError(f"no exchange rate from {from_currency} to {to_currency}")
    exact = (
        Fraction(int(amount))
        * rate
        * Fraction(10) ** (exponent(to_currency) - exponent(from_currency))
    )
    if rounding == ROUND_DOWN:
        return math.floor(exact)
    if rounding == ROUND_UP:
        return math.ceil(exact)
    return math.floor(exact + Fraction(1, 2))
