"""Each built-in rule through ``services.check``: keywords (French, English, Wolof; whole
words, case and accents ignored), patterns (card numbers with Luhn, phone numbers with
money words), links, spam, repeated content, rate, the classifier hook, and how the
verdicts combine."""

from __future__ import annotations

import time

import pytest
import time_machine

from teranga.core.registry import thawed
from teranga.platform.moderation.extensions import moderation_rules
from teranga.platform.moderation.matching import find_word
from teranga.platform.moderation.rules.keywords import find_card_number, luhn_valid
from teranga.platform.moderation.services import check
from teranga.platform.moderation.verdicts import BLOCK, FLAG, ModerationContext, Verdict

pytestmark = pytest.mark.django_db


def verdict_of(text, author=None, **kwargs):
    return check(text, kind="testing.note", author=author, **kwargs)


@pytest.mark.parametrize(
    "text, found",
    [
        ("C'est une ARNAQUE !", "arnaque"),
        ("une arnaqué", "arnaque"),  # accents ignored
        ("les arnaques", None),  # another word
        ("Donne ton mot   de\npasse", "mot de passe"),  # any whitespace inside a phrase
        ("motdepasse", None),
        ("", None),
    ],
)
def test_find_word(text, found):
    assert find_word(text, ["Arnaque", "mot de passe"]) == found


@pytest.mark.parametrize(
    "text, action",
    [
        ("Espèce de CONNARD", BLOCK),  # French insult
        ("fuck you", BLOCK),  # English
        ("Doomu xaraam bi", BLOCK),  # Wolof
        ("yónnee ma code bi léegi", FLAG),  # Wolof: "send me the code now"
        ("YONNE MA XAALIS", FLAG),  # Wolof, accents and case ignored
        ("Envoie-moi le code reçu par SMS", FLAG),  # French mobile-money scam
        ("Fais un transfert Wave de 5000", FLAG),
        ("Please send me the code", FLAG),  # English
        ("Bonjour, à demain", "allow"),
        ("les connards", "allow"),  # whole words only
    ],
)
def test_keywords(text, action):
    verdict = verdict_of(text)
    assert verdict.action == action
    if action != "allow":
        assert verdict.code == "keyword"


def test_keyword_lists_come_from_settings(settings):
    settings.MODERATION_BLOCKED_WORDS = ["interdit"]
    settings.MODERATION_FLAGGED_WORDS = ["surveillé"]
    assert verdict_of("c'est INTERDIT").action == BLOCK
    assert verdict_of("mot surveille").action == FLAG
    assert verdict_of("connard").action == "allow"  # defaults replaced
    settings.MODERATION_BLOCKED_WORDS = []
    assert verdict_of("c'est interdit").action == "allow"


def test_luhn():
    assert luhn_valid("4539578763621486")
    assert not luhn_valid("4539578763621487")
    assert find_card_number("ma carte: 4539 5787 6362 1486 exp 12/29")
    assert find_card_number("4539-5787-6362-1486")
    assert not find_card_number("commande 4539 5787 6362 1487")  # Luhn fails
    assert not find_card_number("0000000000000000")


def test_card_numbers_block_by_default_and_follow_the_setting(settings):
    verdict = verdict_of("voici ma carte 4539 5787 6362 1486")
    assert (verdict.action, verdict.code) == (BLOCK, "pattern")
    settings.MODERATION_CARD_NUMBER_ACTION = FLAG
    assert verdict_of("voici ma carte 4539 5787 6362 1486").action == FLAG
    settings.MODERATION_CARD_NUMBER_ACTION = ""  # off
    assert verdict_of("voici ma carte 4539 5787 6362 1486").action == "allow"


@pytest.mark.parametrize(
    "text, action",
    [
        ("Envoie 10000 par Wave au 77 123 45 67", FLAG),
        ("+221 76 123 45 67 : envoyer l'argent vite", FLAG),
        ("Mon numéro: 77 123 45 67, à demain", "allow"),  # a phone alone
        ("Wave est une app", "allow"),  # money words alone
    ],
)
def test_phone_with_money_words(text, action):
    verdict = verdict_of(text)
    assert verdict.action == action
    if action == FLAG:
        assert verdict.code == "pattern"


def test_pattern_lists_come_from_settings(settings):
    settings.MODERATION_BLOCKED_PATTERNS = [r"\bpromo\d+\b"]
    settings.MODERATION_FLAGGED_PATTERNS = []
    assert verdict_of("code PROMO42").action == BLOCK
    assert verdict_of("Envoie 10000 par Wave au 77 123 45 67").action == "allow"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("voir https://bit.ly/abc", "link shortener: bit.ly"),
        ("voir http://www.tinyurl.com/x", "link shortener: www.tinyurl.com"),
        ("voir http://192.168.1.20/login", "link to an IP address"),
        ("voir https://xn--wve-lna.com/pay", "link to a punycode host"),
        ("a http://a.example b http://b.example c www.c.example d https://d.example", "4 links"),
    ],
)
def test_links_flag(text, reason):
    verdict = verdict_of(text)
    assert (verdict.action, verdict.code, verdict.reason) == (FLAG, "links", reason)


def test_own_and_allowed_links_never_count(settings):
    settings.TERANGA = {**settings.TERANGA, "PUBLIC_URL": "https://teranga.example"}
    settings.MODERATION_ALLOWED_LINK_HOSTS = ["partner.example"]
    text = " ".join(
        [
            "https://teranga.example/a",
            "https://app.teranga.example/b",
            "https://partner.example/c",
            "https://partner.example/d",
            "https://x.example/e",
        ]
    )
    assert verdict_of(text).action == "allow"
    settings.MODERATION_MAX_LINKS = 0
    assert verdict_of(text).reason == "1 links"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("nooooooooooooooooon", "repeated characters"),
        ("ACHETEZ MAINTENANT NOS PRODUITS MIRACLES", "mostly capitals"),
        ("😀🎉🔥" * 6, "emoji flood"),
    ],
)
def test_spam(text, reason):
    verdict = verdict_of(text)
    assert (verdict.action, verdict.code, verdict.reason) == (FLAG, "spam", reason)


def test_spam_leaves_ordinary_texts():
    assert verdict_of("OK").action == "allow"  # short capitals
    assert verdict_of("Merci 😀😀😀 !!!").action == "allow"


def test_repeated_content_by_the_same_author(make_user):
    alice, bob = make_user("alice@example.test"), make_user("bob@example.test")
    text = "Rejoignez mon groupe de vente"
    for _ in range(3):
        assert verdict_of(text, alice).action == "allow"
    verdict = verdict_of("  rejoignez MON groupe de   vente ", alice)  # normalised
    assert (verdict.action, verdict.code) == (FLAG, "repeated")
    assert verdict_of(text, bob).action == "allow"  # counted per author
    assert verdict_of(text).action == "allow"  # no author: not counted
    for _ in range(5):
        assert verdict_of("ok merci", alice).action == "allow"  # short texts: not counted


def test_repeated_content_window(make_user, settings):
    settings.MODERATION_REPEAT_WINDOW_SECONDS = 1
    alice = make_user("alice@example.test")
    for _ in range(3):
        verdict_of("Rejoignez mon groupe de vente", alice)
    time.sleep(1.1)
    assert verdict_of("Rejoignez mon groupe de vente", alice).action == "allow"


def test_rate_flags_then_blocks_and_only_its_author(make_user, settings):
    settings.MODERATION_RATE_FLAG = 3
    settings.MODERATION_RATE_BLOCK = 5
    alice, bob = make_user("alice@example.test"), make_user("bob@example.test")
    with time_machine.travel("2026-03-02 10:00:05Z", tick=False):
        actions = [verdict_of(f"message numéro {n}", alice).action for n in range(7)]
        assert actions == ["allow"] * 3 + [FLAG] * 2 + [BLOCK] * 2
        assert verdict_of("message numéro 8", alice).code == "rate"
        assert verdict_of("bonjour", bob).action == "allow"  # nobody else is locked out
    with time_machine.travel("2026-03-02 10:01:05Z", tick=False):  # a new minute
        assert verdict_of("encore", alice).action == "allow"


def fixed_classifier(text, context):
    return {"toxic": (0.99, "toxic"), "rude": (0.8, "rude")}.get(text.split()[0], (0.1, "ok"))


def failing_classifier(text, context):
    raise RuntimeError(f"down: {text}")


def slow_classifier(text, context):
    time.sleep(1)
    return 1.0, "late"


def test_classifier_thresholds(settings):
    settings.MODERATION_CLASSIFIER = f"{__name__}.fixed_classifier"
    assert verdict_of("toxic words").action == BLOCK
    verdict = verdict_of("rude words")
    assert (verdict.action, verdict.code) == (FLAG, "classifier")
    assert "rude" in verdict.reason
    assert verdict_of("hello there").action == "allow"
    settings.MODERATION_CLASSIFIER_FLAG = 0.05
    assert verdict_of("hello there").action == FLAG


def test_classifier_failure_and_timeout_allow_and_log_no_text(settings, caplog):
    settings.MODERATION_CLASSIFIER = f"{__name__}.failing_classifier"
    assert verdict_of("secret words").action == "allow"
    settings.MODERATION_CLASSIFIER = f"{__name__}.slow_classifier"
    settings.MODERATION_CLASSIFIER_TIMEOUT = 0.1
    assert verdict_of("secret words").action == "allow"
    settings.MODERATION_CLASSIFIER = "no.such.module.classifier"
    assert verdict_of("secret words").action == "allow"
    messages = [record.getMessage() for record in caplog.records]
    assert any("failed" in m for m in messages) and any("timed out" in m for m in messages)
    assert not any("secret" in m for m in messages)


def test_most_severe_wins_block_short_circuits_and_context_is_passed(make_user):
    alice = make_user("alice@example.test")
    seen = []

    def rule(text, context):
        seen.append(context)
        return Verdict(FLAG, "checked", "test")

    with thawed(moderation_rules):
        moderation_rules.register("testing.rule", rule)
        verdict = check("arnaque", kind="testing.note", author=alice, scope="testing.room:1")
        assert (verdict.action, verdict.reason) == (FLAG, "flagged word: arnaque")
        assert [r["code"] for r in verdict.reasons] == ["keyword", "test"]
        assert seen == [
            ModerationContext(kind="testing.note", author=alice, scope="testing.room:1")
        ]
        assert check("connard", kind="testing.note", author=alice).blocked
        assert len(seen) == 1  # blocked before the product's rule ran
    assert "testing.rule" not in moderation_rules


def test_verdict_rejects_unknown_actions():
    with pytest.raises(ValueError):
        Verdict("maybe")


def test_empty_text_is_allowed():
    assert check("  ", kind="testing.note", author=None).action == "allow"
