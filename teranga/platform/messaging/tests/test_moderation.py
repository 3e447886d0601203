"""The moderation hook: keyword matching (whole words, case and accents ignored), the
settings, and the registry other apps extend."""

from __future__ import annotations

import pytest

from teranga.core.errors import ValidationFailed
from teranga.core.registry import thawed
from teranga.platform.messaging.models import Message, ModerationStatus
from teranga.platform.messaging.moderation import (
    BLOCK,
    FLAG,
    Verdict,
    find_word,
    keyword_moderation,
    moderate,
    moderation_functions,
)
from teranga.platform.messaging.services import message_send

pytestmark = pytest.mark.django_db


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


def test_keyword_lists_come_from_settings(settings):
    settings.MODERATION_BLOCKED_WORDS = ["interdit"]
    settings.MODERATION_FLAGGED_WORDS = ["surveillé"]
    assert keyword_moderation("c'est INTERDIT").action == BLOCK
    assert keyword_moderation("mot surveille").action == FLAG
    assert keyword_moderation("connard").action == "allow"  # defaults replaced
    settings.MODERATION_BLOCKED_WORDS = []
    assert keyword_moderation("c'est interdit").action == "allow"


def test_verdict_rejects_unknown_actions():
    with pytest.raises(ValueError):
        Verdict("maybe")


def test_registered_functions_run_and_the_most_severe_wins(people, private):
    seen = []

    def no_links(text, *, conversation, sender):
        seen.append((conversation.pk, sender.pk))
        return Verdict(BLOCK, "links") if "http" in text else Verdict(FLAG, "checked")

    with thawed(moderation_functions):
        moderation_functions.register("test.links", no_links)
        assert moderate("hello", conversation=private, sender=people.alice).reason == "checked"
        with pytest.raises(ValidationFailed) as error:
            message_send(
                sender=people.alice, conversation_id=private.pk, body="see http://x.example"
            )
        assert error.value.code == "message_blocked"
        message, _ = message_send(sender=people.alice, conversation_id=private.pk, body="hi")
        assert message.moderation == ModerationStatus.FLAGGED
        assert message.moderation_reason == "checked"
        assert seen[0] == (private.pk, people.alice.pk)
    assert Message.objects.count() == 1
