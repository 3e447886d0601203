"""Messages pass the platform's moderation checks (``teranga.platform.moderation``): the
rules get the message's context, a block refuses it, a flag marks it (and opens a case,
see ``moderation/tests/test_messaging.py``)."""

from __future__ import annotations

import pytest

from teranga.core.errors import ValidationFailed
from teranga.core.registry import thawed
from teranga.platform.messaging.models import Message, ModerationStatus
from teranga.platform.messaging.services import message_send
from teranga.platform.moderation.extensions import BLOCK, FLAG, Verdict, moderation_rules

pytestmark = pytest.mark.django_db


def test_registered_rules_run_and_the_most_severe_wins(people, private):
    seen = []

    def no_links(text, context):
        seen.append((context.kind, context.author.pk, context.scope))
        return (
            Verdict(BLOCK, "links", "test") if "http" in text else Verdict(FLAG, "checked", "test")
        )

    with thawed(moderation_rules):
        moderation_rules.register("test.links", no_links)
        with pytest.raises(ValidationFailed) as error:
            message_send(
                sender=people.alice, conversation_id=private.pk, body="see http://x.example"
            )
        assert error.value.code == "message_blocked"
        message, _ = message_send(sender=people.alice, conversation_id=private.pk, body="hi")
        assert message.moderation == ModerationStatus.FLAGGED
        assert message.moderation_reason == "checked"
        assert seen[0] == (
            "messaging.message",
            people.alice.pk,
            f"messaging.conversation:{private.pk}",
        )
    assert Message.objects.count() == 1


def test_keywords_flag_and_block_messages(people, private):
    message, _ = message_send(
        sender=people.alice, conversation_id=private.pk, body="Donne ton mot de passe"
    )
    assert message.moderation == ModerationStatus.FLAGGED
    assert message.moderation_reason == "flagged word: mot de passe"
    with pytest.raises(ValidationFailed):
        message_send(sender=people.alice, conversation_id=private.pk, body="CONNARD")
