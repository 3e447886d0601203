"""Queues that follow their hours: opened and closed every minute by
``services.catalog.queues_follow_hours`` from the service's hours, else the branch's
opening hours (breaks, closures, public holidays), in the organisation's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teranga.platform.organizations.models import Closure, OpeningHours
from teranga.platform.realtime import broadcast as rt
from teranga.products.smartqueue import live
from teranga.products.smartqueue.models import Queue, ServiceHours, TicketStatus
from teranga.products.smartqueue.services.catalog import queues_follow_hours
from teranga.products.smartqueue.services.tickets import ticket_issue
from teranga.products.smartqueue.tests.factories import (
    BankFactory,
    DakarBranchFactory,
    QueueFactory,
    QueueServiceFactory,
)

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 23)  # Dakar is UTC+0 all year


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@pytest.fixture
def place():
    org = BankFactory()
    branch = DakarBranchFactory(organization=org)
    service = QueueServiceFactory(organization=org)
    queue = QueueFactory(
        organization=org, branch=branch, service=service, is_open=False, follows_hours=True
    )
    return org, branch, service, queue


def state(queue) -> bool:
    queue.refresh_from_db()
    return queue.is_open


def test_service_hours_open_and_close_and_expire_the_waiting(place):
    org, branch, service, queue = place
    ServiceHours.objects.create(service=service, weekday=0, opens_at=time(8), closes_at=time(12))
    assert queues_follow_hours(now=at(MONDAY, 7, 59)) == 0 and not state(queue)
    assert queues_follow_hours(now=at(MONDAY, 8, 0)) == 1 and state(queue)
    assert queues_follow_hours(now=at(MONDAY, 9)) == 0  # idempotent
    ticket = ticket_issue(queue=queue, channel="kiosk", now=at(MONDAY, 11, 50))
    assert queues_follow_hours(now=at(MONDAY, 12)) == 2  # closed + one ticket expired
    assert not state(queue)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.EXPIRED
    assert queues_follow_hours(now=at(date(2026, 11, 24), 9)) == 0


def test_branch_hours_with_a_break_when_the_service_has_none(place):
    org, branch, service, queue = place
    OpeningHours.objects.create(
        branch=branch,
        weekday=0,
        opens_at=time(8),
        closes_at=time(17),
        break_start=time(12),
        break_end=time(14),
    )
    queues_follow_hours(now=at(MONDAY, 9))
    assert state(queue)
    queues_follow_hours(now=at(MONDAY, 12, 30))
    assert not state(queue)
    queues_follow_hours(now=at(MONDAY, 14))
    assert state(queue)


def test_service_hours_win_over_the_branch(place):
    org, branch, service, queue = place
    OpeningHours.objects.create(branch=branch, weekday=0, opens_at=time(8), closes_at=time(17))
    ServiceHours.objects.create(service=service, weekday=0, opens_at=time(10), closes_at=time(11))
    queues_follow_hours(now=at(MONDAY, 9))
    assert not state(queue)


def test_closures_and_public_holidays_keep_it_closed(place):
    org, branch, service, queue = place
    for weekday in range(7):
        ServiceHours.objects.create(
            service=service, weekday=weekday, opens_at=time(8), closes_at=time(17)
        )
    Closure.objects.create(organization=org, branch=branch, starts_on=MONDAY, ends_on=MONDAY)
    queues_follow_hours(now=at(MONDAY, 9))
    assert not state(queue)
    christmas = date(2026, 12, 25)
    queues_follow_hours(now=at(christmas, 9))
    assert not state(queue)
    org.holidays_opt_out = True
    org.save()
    queues_follow_hours(now=at(christmas, 9))
    assert state(queue)
    # another branch's closure does not matter
    Closure.objects.create(
        organization=org,
        branch=DakarBranchFactory(organization=org),
        starts_on=date(2026, 11, 24),
        ends_on=date(2026, 11, 24),
    )
    queues_follow_hours(now=at(date(2026, 11, 24), 9))
    assert state(queue)


def test_time_zone_of_the_organisation(place):
    org, branch, service, queue = place
    org.time_zone = "Europe/Paris"
    org.save()
    ServiceHours.objects.create(service=service, weekday=0, opens_at=time(8), closes_at=time(12))
    queues_follow_hours(now=at(MONDAY, 7, 30))  # 8:30 in Paris (winter, UTC+1)
    assert state(queue)
    queues_follow_hours(now=at(MONDAY, 11, 30))  # 12:30 in Paris
    assert not state(queue)


def test_queues_without_hours_or_not_following_are_left_alone(place):
    org, branch, service, queue = place
    manual = QueueFactory(
        organization=org, branch=branch, service=service, is_open=True, follows_hours=False
    )
    ServiceHours.objects.create(service=service, weekday=1, opens_at=time(8), closes_at=time(9))
    Queue.objects.filter(pk=queue.pk).update(is_open=True)
    queues_follow_hours(now=at(MONDAY, 10))  # the service has hours, not on Mondays
    assert not state(queue) and state(manual)
    bare = QueueFactory(
        organization=org,
        branch=DakarBranchFactory(organization=org),
        service=QueueServiceFactory(organization=org),
        is_open=True,
        follows_hours=True,
    )
    queues_follow_hours(now=at(MONDAY, 3))
    assert state(bare)


def test_an_inactive_service_closes_its_queues(place):
    org, branch, service, queue = place
    ServiceHours.objects.create(service=service, weekday=0, opens_at=time(8), closes_at=time(17))
    service.is_active = False
    service.save()
    Queue.objects.filter(pk=queue.pk).update(is_open=True)
    queues_follow_hours(now=at(MONDAY, 9))
    assert not state(queue)


def test_tickets_of_past_days_expire(place):
    org, branch, service, queue = place
    manual = QueueFactory(organization=org, branch=branch, service=service, is_open=True)
    old = ticket_issue(queue=manual, channel="kiosk", now=at(MONDAY, 16))
    today = ticket_issue(queue=manual, channel="kiosk", now=at(date(2026, 11, 24), 8))
    assert queues_follow_hours(now=at(date(2026, 11, 24), 8, 1)) == 1
    old.refresh_from_db()
    today.refresh_from_db()
    assert (old.status, today.status) == (TicketStatus.EXPIRED, TicketStatus.WAITING)
    assert queues_follow_hours(now=at(date(2026, 11, 24), 8, 2)) == 0


def test_queries_do_not_grow_with_the_queues(place):
    org, branch, service, queue = place
    ServiceHours.objects.create(service=service, weekday=0, opens_at=time(8), closes_at=time(17))
    OpeningHours.objects.create(branch=branch, weekday=0, opens_at=time(8), closes_at=time(17))
    queues_follow_hours(now=at(MONDAY, 9))

    def count():
        with CaptureQueriesContext(connection) as context:
            queues_follow_hours(now=at(MONDAY, 10))
        return len(context)

    few = count()
    for _ in range(5):
        other = BankFactory()
        QueueFactory(
            organization=other,
            branch=DakarBranchFactory(organization=other),
            is_open=True,
            follows_hours=True,
        )
    assert count() == few


def test_following_the_hours_tells_the_board(place, django_capture_on_commit_callbacks):
    org, branch, service, queue = place
    ServiceHours.objects.create(service=service, weekday=0, opens_at=time(8), closes_at=time(12))
    group = live.display_group(branch.pk)
    for moment, is_open in ((at(MONDAY, 8), True), (at(MONDAY, 12), False)):
        before = rt.current_seq(group)
        with django_capture_on_commit_callbacks(execute=True):
            queues_follow_hours(now=moment)
        seq = rt.current_seq(group)
        assert seq == before + 1
        event = rt.buffered_events(group, [seq])[seq]
        assert event["type"] == "waiting"
        assert [(q["prefix"], q["is_open"]) for q in event["queues"]] == [(queue.prefix, is_open)]
    live.monitors.cancel_all()
    live.admin_dashboard.cancel_all()
