"""Unguessable codes: the length and alphabet asked for, every character possible."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teranga.core.codes import DIGITS, UNAMBIGUOUS_ALPHABET, random_code


def test_the_default_alphabet_has_no_look_alikes():
    assert len(UNAMBIGUOUS_ALPHABET) == len(set(UNAMBIGUOUS_ALPHABET)) == 32
    assert not set("0O1I") & set(UNAMBIGUOUS_ALPHABET)


@given(length=st.integers(min_value=1, max_value=64))
def test_a_code_has_the_length_and_alphabet_asked_for(length):
    code = random_code(length=length)
    assert len(code) == length and set(code) <= set(UNAMBIGUOUS_ALPHABET)
    digits = random_code(length=length, alphabet=DIGITS)
    assert len(digits) == length and digits.isdigit()


def test_codes_do_not_repeat_and_use_every_character():
    codes = {random_code(length=8) for _ in range(2000)}
    assert len(codes) == 2000  # 32**8 ≈ 10**12 codes: a repeat here means a broken source
    assert set("".join(codes)) == set(UNAMBIGUOUS_ALPHABET)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"length": 0},
        {"length": -1},
        {"length": 8, "alphabet": "A"},
        {"length": 8, "alphabet": "AAB"},
        {"length": 8, "alphabet": ""},
    ],
)
def test_nonsense_is_refused(kwargs):
    with pytest.raises(ValueError):
        random_code(**kwargs)
