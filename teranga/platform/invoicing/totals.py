"""Invoice totals: HT, TVA and TTC per VAT rate, from lines, in integer minor units.

Pure functions, no database, exact arithmetic (``fractions.Fraction``). Every amount is
an integer number of the currency's minor units (XOF: francs, exponent 0; EUR: cents,
exponent 2), so rounding "at the currency's exponent" is rounding to a whole minor unit.
Rounding is ROUND_HALF_UP: halves go away from zero (2.5 → 3, −2.5 → −3).

Two input modes, chosen per document:

**Tax-inclusive** (``prices_include_tax=True``): what payments carry. Each line's unit
amount is TTC. For each rate *r* (percent):

* line TTC = round(unit × quantity); rate TTC = Σ line TTC — so the document's TTC is
  exactly what was paid, to the minor unit;
* rate HT = round(rate TTC / (1 + r/100)) (or a fixed HT given by the caller, see
  ``fixed_ht``), rate TVA = rate TTC − rate HT;
* the rate's HT is then apportioned over its lines (largest remainder, proportional to
  each line's exact TTC / (1 + r/100)), so the lines' HT add up to the rate's HT and each
  line's TVA is its TTC − HT.

**Tax-exclusive** (``prices_include_tax=False``): manual invoices typed by staff. Each
line's unit amount is HT. For each rate *r*:

* line HT = round(unit × quantity); rate HT = Σ line HT;
* rate TVA = round(rate HT × r/100) — VAT is computed once per rate, on the rate's
  base, as French and EN 16931 rules expect (BR-S-09), never summed from rounded lines;
* rate TTC = rate HT + rate TVA; the rate's TVA is apportioned over its lines
  (largest remainder, proportional to line HT × r/100) for display.

Invariants (both modes; tested with hypothesis in ``tests/test_totals.py``):

* per rate: TTC = HT + TVA, and the lines of that rate add up to its HT, TVA and TTC;
* document: HT, TVA and TTC are the sums of the per-rate values.

Rates are grouped by (VAT category, rate). The category follows EN 16931: ``S``
(standard rate, > 0), ``Z`` (zero rate) or ``E`` (exempt: the seller is not liable,
e.g. "TVA non applicable, art. 293 B du CGI"; its rate is 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from teranga.core.money import exponent

HUNDRED = Fraction(100)
MAX_RATE = Decimal(100)


class VatCategory:
    STANDARD = "S"
    ZERO = "Z"
    EXEMPT = "E"


@dataclass(frozen=True, slots=True)
class LineInput:
    description: str
    unit_amount: int  # minor units; TTC in tax-inclusive mode, HT otherwise
    quantity: Decimal = Decimal(1)
    vat_rate: Decimal = Decimal(0)  # percent: Decimal("5.5") is 5.5 %


@dataclass(frozen=True, slots=True)
class LineTotals:
    ht: int
    tva: int
    ttc: int
    vat_rate: Decimal
    vat_category: str


@dataclass(frozen=True, slots=True)
class RateTotals:
    vat_rate: Decimal
    vat_category: str
    ht: int
    tva: int
    ttc: int

    def as_json(self) -> dict:
        return {
            "rate": rate_text(self.vat_rate),
            "category": self.vat_category,
            "ht": self.ht,
            "tva": self.tva,
            "ttc": self.ttc,
        }


@dataclass(frozen=True, slots=True)
class Totals:
    currency: str
    prices_include_tax: bool
    lines: tuple[LineTotals, ...]  # in the order of the input lines
    rates: tuple[RateTotals, ...]  # by ascending rate
    ht: int
    tva: int
    ttc: int

    def breakdown_json(self) -> list[dict]:
        return [rate.as_json() for rate in self.rates]


# --- Arithmetic ------------------------------------------------------------------------


def round_half_up(value: Fraction) -> int:
    """``value`` rounded to an integer, halves away from zero."""
    if value >= 0:
        return math.floor(value + Fraction(1, 2))
    return -math.floor(-value + Fraction(1, 2))


def apportion(total: int, exact: Sequence[Fraction]) -> list[int]:
    """Integers close to ``exact`` that add up to exactly ``total`` (largest remainder).

    Each value starts at the floor of its exact share; the units still missing go one by
    one to the largest fractional parts (the first line wins a tie). When ``total`` is
    the rounded sum of ``exact`` — the case here — every result is within one unit of
    its exact value. Works with negative values (a discount line)."""
    if not exact:
        if total:
            raise ValueError("cannot apportion a non-zero total over nothing")
        return []
    floors = [math.floor(value) for value in exact]
    quotient, remainder = divmod(total - sum(floors), len(exact))
    result = [value + quotient for value in floors]
    by_fraction = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in by_fraction[:remainder]:
        result[index] += 1
    return result


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (non-negative, not all zero), the
    parts adding up to ``total`` exactly (largest remainder)."""
    weight_sum = sum(weights)
    if weight_sum <= 0 or any(weight < 0 for weight in weights):
        raise ValueError("weights must be non-negative and not all zero")
    return apportion(total, [Fraction(total * weight, weight_sum) for weight in weights])


def rate_text(rate: Decimal) -> str:
    """A rate as stored in JSON and XML: ``"20"``, ``"5.5"``, ``"0"`` (no exponent)."""
    text = format(Decimal(rate).normalize(), "f")
    return text


def vat_category(rate: Decimal, *, exempt: bool) -> str:
    if exempt:
        return VatCategory.EXEMPT
    return VatCategory.ZERO if Decimal(rate) == 0 else VatCategory.STANDARD


def line_amount(unit_amount: int, quantity: Decimal) -> int:
    """round(unit × quantity) in minor units."""
    return round_half_up(Fraction(int(unit_amount)) * Fraction(Decimal(quantity)))


# --- Totals ----------------------------------------------------------------------------


def _check(lines: Sequence[LineInput], currency: str, vat_exempt: bool) -> None:
    exponent(currency)  # ValueError for an unsupported currency
    if not lines:
        raise ValueError("an invoice has at least one line")
    for line in lines:
        if not isinstance(line.unit_amount, int) or isinstance(line.unit_amount, bool):
            raise TypeError("unit_amount is an integer number of minor units")
        if Decimal(line.quantity) <= 0:
            raise ValueError("quantities are positive")
        rate = Decimal(line.vat_rate)
        if not Decimal(0) <= rate <= MAX_RATE:
            raise ValueError("VAT rates are between 0 and 100 percent")
        if vat_exempt and rate != 0:
            raise ValueError("an exempt seller's lines carry a 0 % rate")


def compute_totals(
    lines: Sequence[LineInput],
    *,
    currency: str,
    prices_include_tax: bool,
    vat_exempt: bool = False,
    fixed_ht: Mapping[Decimal, int] | None = None,
) -> Totals:
    """The totals of ``lines`` (see the module's documentation for the rules).

    ``fixed_ht`` (tax-inclusive mode only) gives the HT of some rates instead of
    deriving it from their TTC: the credit note that exhausts what remains of an
    invoice's rate uses the exact HT left, so that credit notes add up to the invoice.
    """
    _check(lines, currency, vat_exempt)
    if fixed_ht and not prices_include_tax:
        raise ValueError("fixed_ht only applies to tax-inclusive lines")
    fixed = {Decimal(rate): int(ht) for rate, ht in (fixed_ht or {}).items()}

    groups: dict[tuple[Decimal, str], list[int]] = {}
    for index, line in enumerate(lines):
        rate = Decimal(line.vat_rate)
        key = (rate, vat_category(rate, exempt=vat_exempt))
        groups.setdefault(key, []).append(index)

    line_results: list[LineTotals | None] = [None] * len(lines)
    rate_results: list[RateTotals] = []
    for (rate, category), indexes in sorted(groups.items(), key=lambda item: item[0]):
        factor = Fraction(rate) / HUNDRED
        amounts = [line_amount(lines[i].unit_amount, lines[i].quantity) for i in indexes]
        if prices_include_tax:
            ttc = sum(amounts)
            ht = fixed[rate] if rate in fixed else round_half_up(Fraction(ttc) / (1 + factor))
            tva = ttc - ht
            line_ht = apportion(ht, [Fraction(amount) / (1 + factor) for amount in amounts])
            line_ttc = amounts
            line_tva = [t - h for t, h in zip(line_ttc, line_ht, strict=True)]
        else:
            ht = sum(amounts)
            tva = round_half_up(Fraction(ht) * factor)
            ttc = ht + tva
            line_ht = amounts
            line_tva = apportion(tva, [Fraction(amount) * factor for amount in amounts])
            line_ttc = [h + t for h, t in zip(line_ht, line_tva, strict=True)]
        for position, index in enumerate(indexes):
            line_results[index] = LineTotals(
                ht=line_ht[position],
                tva=line_tva[position],
                ttc=line_ttc[position],
                vat_rate=rate,
                vat_category=category,
            )
        rate_results.append(RateTotals(rate, category, ht=ht, tva=tva, ttc=ttc))

    return Totals(
        currency=currency,
        prices_include_tax=prices_include_tax,
        lines=tuple(line_results),  # type: ignore[arg-type]
        rates=tuple(rate_results),
        ht=sum(r.ht for r in rate_results),
        tva=sum(r.tva for r in rate_results),
        ttc=sum(r.ttc for r in rate_results),
    )


def sum_by_rate(breakdowns: Iterable[Iterable[Mapping]]) -> dict[Decimal, dict[str, int]]:
    """Add up stored per-rate breakdowns (``Invoice.vat_breakdown``) by rate:
    ``{Decimal("20"): {"ht": …, "tva": …, "ttc": …}}``."""
    result: dict[Decimal, dict[str, int]] = {}
    for breakdown in breakdowns:
        for row in breakdown:
            entry = result.setdefault(Decimal(row["rate"]), {"ht": 0, "tva": 0, "ttc": 0})
            for key in ("ht", "tva", "ttc"):
                entry[key] += int(row[key])
    return result
