"""Message numbers under concurrency: real threads, each with its own database connection
(SQLite file in WAL mode, or PostgreSQL), sending into one conversation at once. The
numbers are gapless and unique, ``last_seq`` matches, and a retried send (same
client_id) is one message even when the retries race."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from teranga.platform.messaging.models import Conversation, ConversationKind, Message
from teranga.platform.messaging.services import conversation_create, message_send
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory

from .conftest import person

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
PER_THREAD = 6
TIMEOUT = 60


def race(workers: int, work) -> list[BaseException]:
    barrier = threading.Barrier(workers, timeout=TIMEOUT)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:  # noqa: BLE001 — reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a sender hung"
    close_old_connections()
    return errors


def test_concurrent_sends_get_gapless_unique_numbers():
    senders = [person(f"s{n}") for n in range(THREADS)]
    team = OrganizationFactory(name="Rush team", slug="rush-team")
    for sender in senders:  # colleagues: added directly, no invitation to accept
        Membership.objects.create(organization=team, user=sender, role=Role.MEMBER)
    conversation, _ = conversation_create(
        creator=senders[0],
        kind=ConversationKind.GROUP,
        title="Rush",
        participant_ids=[s.pk for s in senders[1:]],
    )

    def work(index: int) -> None:
        for n in range(PER_THREAD):
            message_send(
                sender=senders[index], conversation_id=conversation.pk, body=f"{index}-{n}"
            )

    assert race(THREADS, work) == []
    seqs = list(
        Message.objects.filter(conversation=conversation)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert seqs == list(range(1, THREADS * PER_THREAD + 1))
    assert Conversation.objects.get(pk=conversation.pk).last_seq == THREADS * PER_THREAD
    # Each sender's own messages keep their order.
    for index in range(THREADS):
        bodies = list(
            Message.objects.filter(conversation=conversation, sender=senders[index])
            .order_by("seq")
            .values_list("body", flat=True)
        )
        assert bodies == [f"{index}-{n}" for n in range(PER_THREAD)]


def test_racing_retries_of_one_send_make_one_message():
    alice, bob = person("alice"), person("bob")
    conversation, _ = conversation_create(
        creator=alice, kind=ConversationKind.PRIVATE, user_id=bob.pk
    )
    results: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        message, created = message_send(
            sender=alice, conversation_id=conversation.pk, body="once", client_id="retry-1"
        )
        with lock:
            results.append((str(message.pk), created))

    assert race(6, work) == []
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert Conversation.objects.get(pk=conversation.pk).last_seq == 1


def test_racing_private_creations_make_one_conversation():
    alice, bob = person("alice"), person("bob")
    found: list[str] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        creator, other = (alice, bob) if index % 2 else (bob, alice)
        conversation, _ = conversation_create(
            creator=creator, kind=ConversationKind.PRIVATE, user_id=other.pk
        )
        with lock:
            found.append(str(conversation.pk))

    assert race(6, work) == []
    assert len(set(found)) == 1
    assert Conversation.objects.filter(kind=ConversationKind.PRIVATE).count() == 1
