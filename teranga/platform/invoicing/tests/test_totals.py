"""Invoice totals: property-based tests over random lines, rates and both currencies, and
a few worked examples. Pure functions: no database."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teranga.platform.invoicing.totals import (
    LineInput,
    allocate,
    apportion,
    compute_totals,
    round_half_up,
    sum_by_rate,
)

RATES = [Decimal("0"), Decimal("5.5"), Decimal("10"), Decimal("18"), Decimal("20")]
CURRENCIES = ["XOF", "EUR"]


def reference_round(value: Decimal) -> int:
    """An independent implementation: Decimal's own ROUND_HALF_UP."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


quantities = st.one_of(
    st.integers(min_value=1, max_value=50).map(Decimal),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99"), places=3),
)


@st.composite
def line_lists(draw, *, allow_discounts: bool):
    count = draw(st.integers(min_value=1, max_value=12))
    lines = [
        LineInput(
            description=f"line {i}",
            unit_amount=draw(st.integers(min_value=0, max_value=5_000_000)),
            quantity=draw(quantities),
            vat_rate=draw(st.sampled_from(RATES)),
        )
        for i in range(count)
    ]
    if allow_discounts and draw(st.booleans()):
        # A discount line per rate, never more than that rate's positive lines.
        for rate in {line.vat_rate for line in lines}:
            gross = sum(
                reference_round(Decimal(line.unit_amount) * line.quantity)
                for line in lines
                if line.vat_rate == rate
            )
            if gross > 0:
                cut = draw(st.integers(min_value=0, max_value=gross))
                lines.append(LineInput("discount", -cut, Decimal(1), rate))
    return lines


def check_invariants(totals, lines):
    # Per rate: TTC = HT + TVA, and the lines of the rate add up to it.
    for rate in totals.rates:
        assert rate.ttc == rate.ht + rate.tva
        of_rate = [lt for lt in totals.lines if lt.vat_rate == rate.vat_rate]
        assert sum(lt.ht for lt in of_rate) == rate.ht
        assert sum(lt.tva for lt in of_rate) == rate.tva
        assert sum(lt.ttc for lt in of_rate) == rate.ttc
    for line_totals in totals.lines:
        assert line_totals.ttc == line_totals.ht + line_totals.tva
    # Document totals are the sums of the per-rate values.
    assert totals.ht == sum(r.ht for r in totals.rates)
    assert totals.tva == sum(r.tva for r in totals.rates)
    assert totals.ttc == sum(r.ttc for r in totals.rates)
    assert totals.ttc == totals.ht + totals.tva
    assert len(totals.lines) == len(lines)
    assert [r.vat_rate for r in totals.rates] == sorted({line.vat_rate for line in lines})


@settings(max_examples=300, deadline=None)
@given(lines=line_lists(allow_discounts=True), currency=st.sampled_from(CURRENCIES))
def test_tax_inclusive_totals(lines, currency):
    totals = compute_totals(lines, currency=currency, prices_include_tax=True)
    check_invariants(totals, lines)
    # The TTC is exactly what was paid: the sum of the rounded line amounts.
    paid = sum(reference_round(Decimal(line.unit_amount) * line.quantity) for line in lines)
    assert totals.ttc == paid
    for rate in totals.rates:
        factor = 1 + rate.vat_rate / 100
        assert rate.ht == reference_round(Decimal(rate.ttc) / factor)
        # The VAT is the rate applied to the HT, within one minor unit.
        assert abs(rate.tva - reference_round(rate.ht * rate.vat_rate / 100)) <= 1
        assert rate.vat_category == ("Z" if rate.vat_rate == 0 else "S")
    for line, line_totals in zip(lines, totals.lines, strict=True):
        line_ttc = reference_round(Decimal(line.unit_amount) * line.quantity)
        assert line_totals.ttc == line_ttc
        exact_ht = Fraction(line_ttc) / (1 + Fraction(line.vat_rate) / 100)
        assert abs(line_totals.ht - exact_ht) < 1 + Fraction(1, 2)


@settings(max_examples=300, deadline=None)
@given(lines=line_lists(allow_discounts=True), currency=st.sampled_from(CURRENCIES))
def test_tax_exclusive_totals(lines, currency):
    totals = compute_totals(lines, currency=currency, prices_include_tax=False)
    check_invariants(totals, lines)
    for rate in totals.rates:
        of_rate = [line for line in lines if line.vat_rate == rate.vat_rate]
        base = sum(reference_round(Decimal(line.unit_amount) * line.quantity) for line in of_rate)
        assert rate.ht == base
        # VAT is computed once per rate, on the rate's base.
        assert rate.tva == reference_round(Decimal(base) * rate.vat_rate / 100)
    for line, line_totals in zip(lines, totals.lines, strict=True):
        assert line_totals.ht == reference_round(Decimal(line.unit_amount) * line.quantity)


@settings(max_examples=200, deadline=None)
@given(
    lines=line_lists(allow_discounts=False),
    currency=st.sampled_from(CURRENCIES),
    include=st.booleans(),
)
def test_an_exempt_seller_has_one_exempt_rate_and_no_vat(lines, currency, include):
    lines = [LineInput(line.description, line.unit_amount, line.quantity) for line in lines]
    totals = compute_totals(lines, currency=currency, prices_include_tax=include, vat_exempt=True)
    check_invariants(totals, lines)
    assert [(r.vat_category, r.vat_rate) for r in totals.rates] == [("E", Decimal(0))]
    assert totals.tva == 0 and totals.ht == totals.ttc


@settings(max_examples=300, deadline=None)
@given(
    total=st.integers(min_value=-(10**9), max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=15).filter(
        lambda w: sum(w) > 0
    ),
)
def test_allocate_adds_up_and_stays_proportional(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(total * weight, weight_sum)) < 1
        if weight == 0:
            assert part == 0


@given(st.fractions(min_value=-(10**6), max_value=10**6))
def test_round_half_up_matches_decimal(value):
    # Decimal's ROUND_HALF_UP rounds ties away from zero, like ours.
    decimal_value = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(decimal_value) == value:  # exactly representable: compare
        assert round_half_up(value) == reference_round(decimal_value)


def test_worked_example_xof_inclusive():
    """10 000 F CFA paid at 18 %: HT 8 475, TVA 1 525 (8 474.58… rounds up)."""
    totals = compute_totals(
        [LineInput("Formation", 10000, Decimal(1), Decimal(18))],
        currency="XOF",
        prices_include_tax=True,
    )
    assert (totals.ht, totals.tva, totals.ttc) == (8475, 1525, 10000)
    assert totals.breakdown_json() == [
        {"rate": "18", "category": "S", "ht": 8475, "tva": 1525, "ttc": 10000}
    ]


def test_worked_example_eur_exclusive_two_rates():
    """3 × 19.99 € at 20 % and 1 × 10.01 € at 5.5 %: VAT per rate on the base."""
    totals = compute_totals(
        [
            LineInput("Livre", 1999, Decimal(3), Decimal(20)),
            LineInput("Repas", 1001, Decimal(1), Decimal("5.5")),
        ],
        currency="EUR",
        prices_include_tax=False,
    )
    by_rate = {r.vat_rate: (r.ht, r.tva, r.ttc) for r in totals.rates}
    assert by_rate[Decimal(20)] == (5997, 1199, 7196)  # 1199.4 → 1199
    assert by_rate[Decimal("5.5")] == (1001, 55, 1056)  # 55.055 → 55
    assert (totals.ht, totals.tva, totals.ttc) == (6998, 1254, 8252)


def test_half_units_round_up():
    # 25 × 0.5 % → 0.125 … ; 50 HT at 5 % → 2.5 → 3 VAT.
    totals = compute_totals(
        [LineInput("x", 50, Decimal(1), Decimal(5))], currency="XOF", prices_include_tax=False
    )
    assert totals.tva == 3


def test_fixed_ht_takes_precedence_and_lines_follow():
    lines = [
        LineInput("a", 333, Decimal(1), Decimal(20)),
        LineInput("b", 334, Decimal(1), Decimal(20)),
    ]
    totals = compute_totals(
        lines, currency="EUR", prices_include_tax=True, fixed_ht={Decimal(20): 555}
    )
    assert totals.rates[0].ht == 555 and totals.rates[0].tva == 667 - 555
    assert sum(line.ht for line in totals.lines) == 555


def test_apportion_keeps_the_total_with_negative_values():
    exact = [Fraction(10, 3), Fraction(-7, 2), Fraction(5, 4)]
    assert sum(apportion(1, exact)) == 1


def test_sum_by_rate_adds_breakdowns():
    result = sum_by_rate(
        [
            [{"rate": "20", "ht": 100, "tva": 20, "ttc": 120}],
            [
                {"rate": "20", "ht": 50, "tva": 10, "ttc": 60},
                {"rate": "0", "ht": 5, "tva": 0, "ttc": 5},
            ],
        ]
    )
    assert result == {
        Decimal(20): {"ht": 150, "tva": 30, "ttc": 180},
        Decimal(0): {"ht": 5, "tva": 0, "ttc": 5},
    }


@pytest.mark.parametrize(
    ("lines", "kwargs", "error"),
    [
        ([], {}, ValueError),
        ([LineInput("x", 1, Decimal(0), Decimal(20))], {}, ValueError),
        ([LineInput("x", 1, Decimal(1), Decimal(101))], {}, ValueError),
        ([LineInput("x", 1, Decimal(1), Decimal(20))], {"vat_exempt": True}, ValueError),
        ([LineInput("x", 1, Decimal(1), Decimal(20))], {"currency": "USD"}, ValueError),
        ([LineInput("x", 1.5, Decimal(1), Decimal(20))], {}, TypeError),
    ],
)
def test_invalid_input_is_refused(lines, kwargs, error):
    options = {"currency": "EUR", "prices_include_tax": True, **kwargs}
    with pytest.raises(error):
        compute_totals(lines, **options)
