"""Booking under real concurrency: threads released together by a barrier, each with
its own database connection, all calling the engine's ``booking_create``.

On SQLite (the default) IMMEDIATE transactions queue the writers; on PostgreSQL (CI,
DATABASE_URL set) row locks on the resource and the client serialise them, and the
exclusion constraint ``sched_booking_client_no_overlap`` backs up the client rule."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import time, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from teranga.core.errors import ApplicationError
from teranga.platform.scheduling import services
from teranga.platform.scheduling.availability import SlotPolicy, free_slots, occupying_q
from teranga.platform.scheduling.models import AvailabilityRule, Booking, BookingStatus
from tests.skips import require, skip_on_leg

from .factories import OFFERING, client, occupy, resource_with_rules, utc

NOW = utc(2026, 3, 1, 8)  # Sunday; the slot is on Monday 2 March 2026
SLOT = utc(2026, 3, 2, 10)
THREADS = 24
JOIN_TIMEOUT = 120


@pytest.fixture
def frozen():
    """Now is frozen for every thread (time_machine patches the clock process-wide)."""
    # Threads share an in-memory SQLite database through its shared cache, whose
    # table locks fail at once ("database table is locked") instead of waiting.
    require(
        "a file-backed SQLite test database",
        not (connection.vendor == "sqlite" and connection.is_in_memory_db()),
        "threaded tests need separate connections: config/test_settings.py sets its TEST NAME",
    )
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def last_slot_resource(**organization_fields):
    """A resource with exactly one slot: Monday 10:00–11:00."""
    resource = resource_with_rules(rules=False, **organization_fields)
    AvailabilityRule.objects.create(
        organization=resource.organization,
        resource=resource,
        weekday=0,
        starts_at=time(10),
        ends_at=time(11),
    )
    return resource


def race(calls) -> tuple[list, Counter, list]:
    """Run ``calls`` (callables) in as many threads released at once. Returns the
    successes, the counts of ApplicationError codes, and any unexpected errors."""
    barrier = threading.Barrier(len(calls))
    lock = threading.Lock()
    successes: list = []
    codes: Counter = Counter()
    unexpected: list = []

    def run(call):
        try:
            barrier.wait(timeout=30)
            result = call()
            with lock:
                successes.append(result)
        except ApplicationError as error:
            with lock:
                codes[error.code] += 1
        except Exception as error:  # noqa: BLE001 — reported by the test
            with lock:
                unexpected.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,), daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a booking thread hung"
    return successes, codes, unexpected


def booking_call(resource, who, starts_at=SLOT, policy=None):
    policy = policy or SlotPolicy(duration=timedelta(hours=1))

    def call():
        return services.booking_create(
            resource=resource,
            client=who,
            source="test",
            offering=OFFERING,
            title="Race",
            starts_at=starts_at,
            policy=policy,
        ).pk

    return call


def occupying(**filters):
    return Booking.objects.filter(occupying_q(NOW), **filters)


@pytest.mark.django_db(transaction=True)
def test_many_clients_race_for_the_last_slot(frozen):
    resource = last_slot_resource()
    policy = SlotPolicy(duration=timedelta(hours=1))
    assert (
        len(
            free_slots(
                resource,
                policy,
                offering=OFFERING,
                range_from=NOW,
                range_to=SLOT + timedelta(days=1),
            )
        )
        == 1
    )
    clients = [client() for _ in range(THREADS)]
    successes, codes, unexpected = race([booking_call(resource, who) for who in clients])
    assert unexpected == []
    assert len(successes) == 1
    assert codes == {"slot_full": THREADS - 1}
    assert occupying(resource=resource).count() == 1
    assert Booking.objects.count() == 1
    assert (
        free_slots(
            resource, policy, offering=OFFERING, range_from=NOW, range_to=SLOT + timedelta(days=1)
        )
        == []
    )


@pytest.mark.django_db(transaction=True)
def test_capacity_three_takes_exactly_three(frozen):
    resource = last_slot_resource()
    policy = SlotPolicy(duration=timedelta(hours=1), capacity=3)
    clients = [client() for _ in range(THREADS)]
    successes, codes, unexpected = race(
        [booking_call(resource, who, policy=policy) for who in clients]
    )
    assert unexpected == []
    assert len(successes) == 3
    assert codes == {"slot_full": THREADS - 3}
    assert occupying(resource=resource, starts_at=SLOT).count() == 3
    assert len({b.client_id for b in Booking.objects.all()}) == 3


@pytest.mark.django_db(transaction=True)
def test_one_client_racing_on_many_resources_gets_one_booking(frozen):
    who = client()
    half_hourly = SlotPolicy(duration=timedelta(hours=1), interval=timedelta(minutes=30))
    calls = []
    for index in range(THREADS):
        resource = resource_with_rules()
        # Every slot overlaps every other: 10:00, 10:30 or 11:00–…, all one hour long.
        starts_at = SLOT + timedelta(minutes=30 * (index % 2))
        calls.append(booking_call(resource, who, starts_at=starts_at, policy=half_hourly))
    successes, codes, unexpected = race(calls)
    assert unexpected == []
    assert len(successes) == 1
    assert codes == {"client_overlap": THREADS - 1}
    assert occupying(client=who).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_race_mixing_clients_and_slots_never_overfills(frozen):
    """Half the threads want 10:00, half 11:00, on a two-slot resource; some clients
    appear twice (once per slot). Each slot ends up with one booking, and no client with
    two overlapping ones."""
    resource = resource_with_rules(rules=False)
    AvailabilityRule.objects.create(
        organization=resource.organization,
        resource=resource,
        weekday=0,
        starts_at=time(10),
        ends_at=time(12),
    )
    clients = [client() for _ in range(THREADS // 2)]
    calls = [booking_call(resource, who, SLOT) for who in clients] + [
        booking_call(resource, who, SLOT + timedelta(hours=1)) for who in clients
    ]
    successes, codes, unexpected = race(calls)
    assert unexpected == []
    assert len(successes) == 2
    assert codes == {"slot_full": THREADS - 2}
    rows = list(occupying(resource=resource).order_by("starts_at"))
    assert [b.starts_at for b in rows] == [SLOT, SLOT + timedelta(hours=1)]


# --- PostgreSQL: the exclusion constraint ---------------------------------------------------


def require_postgresql():
    skip_on_leg("sqlite", "The exclusion constraint exists on PostgreSQL only.")


@pytest.mark.django_db
def test_the_client_exclusion_constraint_exists():
    require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = 'sched_booking_client_no_overlap'"
        )
        rows = cursor.fetchall()
    assert len(rows) == 1
    kind, definition = rows[0]
    assert kind == "x"  # EXCLUDE
    assert "gist" in definition and "tstzrange" in definition


@pytest.mark.django_db
def test_an_overlapping_booking_for_the_same_client_cannot_be_inserted():
    require_postgresql()
    who = client()
    occupy(resource_with_rules(), SLOT, client=who)
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        occupy(resource_with_rules(), SLOT + timedelta(minutes=30), client=who)
    assert "sched_booking_client_no_overlap" in str(error.value)
    # Cancelled, or another client, or back to back: allowed.
    occupy(
        resource_with_rules(),
        SLOT,
        client=who,
        status=BookingStatus.CANCELLED_BY_CLIENT,
    )
    occupy(resource_with_rules(), SLOT, client=client())
    occupy(resource_with_rules(), SLOT + timedelta(hours=1), client=who)
    assert Booking.objects.filter(client=who).count() == 3
