"""GSM-7 awareness: which texts fit one SMS, how many parts a long one takes, and how
French and Wolof texts are made to fit one or two GSM-7 segments."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teranga.platform.notifications.sms_text import (
    gsm7_encodable,
    sms_fit,
    sms_segments,
    sms_transliterate,
)

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    "text", ["é è à ù ì ò ç Ç É", "ñ Ñ ä ö ü Ä Ö Ü å Å æ Æ ø Ø ß", "€ [ ] { } ~ ^ | \\"]
)
def test_gsm7_alphabet_includes_french_accents_and_extension(text):
    assert gsm7_encodable(text)


@pytest.mark.parametrize("char", ["ê", "â", "î", "ô", "û", "ë", "ï", "œ", "«", "»", "“", "”", "’",
                                  "–", "—", "…", NBSP, "ó", "À", "È", "🎉", "س"])
def test_characters_outside_gsm7(char):
    assert not gsm7_encodable(f"abc{char}")


@pytest.mark.parametrize(
    ("length", "segments"),
    [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_boundaries(length, segments):
    assert sms_segments("a" * length) == segments


def test_extension_characters_count_twice():
    assert sms_segments("€" * 80) == 1  # 160 septets
    assert sms_segments("€" * 80 + "a") == 2
    assert sms_segments("a" * 159 + "€") == 2  # 161 septets
    assert sms_segments("a" * 158 + "[") == 1  # exactly 160
    assert sms_segments("a" * 304 + "}") == 2  # exactly 306


def test_an_escape_sequence_is_never_split_across_parts():
    # 306 septets would be two parts, but the euro sign cannot straddle parts 1 and 2.
    text = "a" * 152 + "€" + "a" * 152
    assert sum(2 if c == "€" else 1 for c in text) == 306
    assert sms_segments(text) == 3


@pytest.mark.parametrize(
    ("text", "segments"),
    [("ê" * 70, 1), ("ê" * 71, 2), ("ê" * 134, 2), ("ê" * 135, 3), ("🎉" * 35, 1), ("🎉" * 36, 2)],
)
def test_ucs2_boundaries(text, segments):
    # One character outside GSM-7 turns the whole message into UCS-2 (70, then 67 per part);
    # an emoji takes two UTF-16 units.
    assert sms_segments(text) == segments


def test_french_text_is_transliterated_to_gsm7():
    text = (
        f"Votre rendez-vous chez «{NBSP}Salon Awa{NBSP}» est confirmé : mercredi à 10{NNBSP}h "
        "— n’oubliez pas votre carte… Fenêtre de 15 min, cœur de Dakar. Ça marche ?"
    )
    fitted = sms_fit(text)
    assert fitted == (
        'Votre rendez-vous chez " Salon Awa " est confirmé : mercredi à 10 h - n\'oubliez pas '
        "votre carte... Fenetre de 15 min, coeur de Dakar. Ça marche ?"
    )
    assert gsm7_encodable(fitted)
    assert sms_segments(text) == 3  # UCS-2 as written: 142 characters, 3 parts of 67
    assert sms_segments(fitted) == 1  # 145 GSM-7 characters


def test_wolof_text_is_transliterated_to_gsm7():
    text = "Jàmm ngeen fanaan? Sa rendez-vous ak Góor gi dina am ëllëg ci 10h. Ñaata la? Jërëjëf!"
    fitted = sms_fit(text, max_segments=1)
    assert fitted == (
        "Jàmm ngeen fanaan? Sa rendez-vous ak Goor gi dina am elleg ci 10h. Ñaata la? Jerejef!"
    )
    assert gsm7_encodable(fitted) and sms_segments(fitted) == 1
    assert sms_transliterate("ŋoon ñaar ëpp") == "ngoon ñaar epp"


def test_whitespace_is_collapsed_and_symbols_dropped():
    assert sms_fit("  Bonjour \t  Awa\n\n\n  À   demain 🎉  ") == "Bonjour Awa\nA demain"
    assert sms_fit("Merci\u200b !") == "Merci !"


def test_long_text_is_cut_at_a_word_boundary_with_dots():
    text = " ".join(["Votre réservation au salon de coiffure est confirmée pour demain matin"] * 10)
    fitted = sms_fit(text)
    assert fitted.endswith("...")
    assert sms_segments(fitted) <= 2 and gsm7_encodable(fitted)
    assert len(fitted) > 280  # most of the room is used
    kept = fitted[: -len("...")]
    assert text.startswith(kept)
    assert text[len(kept)] == " "  # cut between two words
    one = sms_fit(text, max_segments=1)
    assert len(one) <= 160 and one.endswith("...") and text[len(one) - 3] == " "


def test_exactly_full_texts_are_left_alone():
    assert sms_fit("a" * 160, max_segments=1) == "a" * 160
    assert sms_fit("a" * 306) == "a" * 306
    assert sms_fit("a" * 304 + "€") == "a" * 304 + "€"
    cut = sms_fit("mot " * 76 + "fin")  # 307 characters
    assert sms_segments(cut) == 2 and cut.endswith("mot...")


def test_extension_characters_near_the_cut_still_fit():
    text = "Total: 25€ " * 40
    fitted = sms_fit(text)
    assert sms_segments(fitted) <= 2 and fitted.endswith("...")
    septets = sum(2 if c == "€" else 1 for c in fitted)
    assert septets == len(fitted) + fitted.count("€") <= 306
    assert septets > 306 - len("Total: 25€ ") - 1  # no room was left for one more word
    assert text.startswith(fitted[:-3]) and text[len(fitted) - 3] == " "


def test_text_that_cannot_be_gsm7_is_fitted_as_ucs2():
    text = "Salaam " + "سلام عليكم " * 30
    fitted = sms_fit(text)
    assert not gsm7_encodable(fitted)
    assert sms_segments(fitted) <= 2 and fitted.endswith("...")
    assert len(fitted) <= 134


def test_a_single_long_word_is_cut_hard():
    fitted = sms_fit("x" * 400, max_segments=1)
    assert fitted == "x" * 157 + "..."


def test_max_segments_must_be_positive():
    with pytest.raises(ValueError):
        sms_fit("hello", max_segments=0)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=600), st.integers(min_value=1, max_value=3))
def test_fit_always_fits(text, max_segments):
    fitted = sms_fit(text, max_segments=max_segments)
    assert sms_segments(fitted) <= max_segments
    if sms_segments(sms_transliterate(text)) and gsm7_encodable(sms_transliterate(text)):
        assert gsm7_encodable(fitted)
