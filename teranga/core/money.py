"""Money as integer minor units plus an ISO 4217 currency.

XOF has no minor unit (1 500 F CFA is stored as 1500); EUR has cents (12,50 € is 1250).
Never multiply XOF by 100: the exponent comes from ``CURRENCY_EXPONENTS``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

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
