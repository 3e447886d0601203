"""Every operation answers what the OpenAPI schema says: its statuses, content types and
bodies (schemathesis: ``response_schema_conformance``, ``status_code_conformance``,
``content_type_conformance`` and ``not_a_server_error``).

Each valid generated request is sent three times: as a client, as an agent (a staff
member with the ``agent`` role) and as the owner of an organisation that has real data:
a branch with opening hours, a Booking service with weekly availability and
reservations (one paid, with its invoice, one held), a SmartQueue queue with tickets
(one called at a staffed counter), an appointment, a kiosk, a conversation and a support
conversation, a coupon, a closure, an invitation, a calendar feed, a device and a
notification. Path parameters (and the ids, slots and slugs a query or a body names)
are those objects', so organisation-scoped operations run their real code rather than
stopping at 404; each request is rolled back afterwards, so every request sees the same
data. Operations a kiosk calls are also sent with the kiosk's key. Invalid requests
(most of schemathesis' coverage phase) go to one of those identities in turn.

The data is built once for the module, in a transaction rolled back at the end (each
test's own transaction is a savepoint inside it). Responses are asked uncompressed:
schemathesis' WSGI transport does not inflate gzip as an HTTP client does.
"""

from __future__ import annotations

import itertools
import uuid
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest
import schemathesis
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import authed_client, create_user
from tests.skips import mark_expected_skip, skip_module_on_leg

#: Both whole-system fuzz runs of this module (valid data on every operation, and
#: negative data) belong to the PostgreSQL + Redis leg, where ``.ci/run`` gives them a
#: pytest process of their own beside the rest of the leg. On the SQLite leg the module is
#: skipped before the schemas are built: building their cases (schemathesis' coverage
#: phase, at collection) alone costs a minute or more.
skip_module_on_leg("sqlite", "whole-system conformance fuzz: on the PostgreSQL + Redis leg only")

pytestmark = pytest.mark.django_db

#: The schema (built in English whatever the request's language: EnglishSchemaGenerator).
SCHEMA_URL = "/api/schema/?format=json&lang=en"
#: Fuzzed invalid requests per operation in the negative-data run, after its coverage
#: phase (which sends each kind of invalid value once).
NEGATIVE_EXAMPLES = 5

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _wsgi_schema():
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())


schema = _wsgi_schema()


# --- the data -----------------------------------------------------------------------------


@contextmanager
def _connections_kept():
    """Django's WSGI handler closes the database connection when a request starts and
    finishes; inside the module's transaction that would close it under the tests.
    Django's test client detaches the same handler around its requests, and so do we."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _slots(resource, policy, offering, *, count: int):
    from teranga.platform.scheduling.availability import free_slots

    now = timezone.now()
    slots = free_slots(
        resource,
        policy,
        offering=offering,
        range_from=now + timedelta(days=2),
        range_to=now + timedelta(days=16),
    )
    assert len(slots) >= count, "the service has too few free slots"
    return slots


def _build_world() -> SimpleNamespace:
    from teranga.platform.messaging.models import ConversationKind
    from teranga.platform.messaging.services import (
        conversation_create,
        message_send,
        support_settings_update,
    )
    from teranga.platform.messaging.services.support import support_conversation_open
    from teranga.platform.notifications.devices import device_register
    from teranga.platform.notifications.models import Notification
    from teranga.platform.organizations import services as organizations
    from teranga.platform.organizations.models import Membership, Role
    from teranga.platform.payments.models import Plan, Subscription, SubscriptionStatus
    from teranga.platform.payments.services.coupons import coupon_create
    from teranga.platform.payments.services.fulfilment import fulfilment_run
    from teranga.platform.payments.services.payments import payment_initiate
    from teranga.platform.payments.services.sandbox import sandbox_decide
    from teranga.platform.scheduling.models import AvailabilityRule, Resource
    from teranga.platform.scheduling.services.feeds import calendar_feed_create
    from teranga.platform.scheduling.services.resources import override_create
    from teranga.platform.scheduling.tests.factories import weekly_rules
    from teranga.products.booking.payables import TARGET_TYPE as RESERVATION
    from teranga.products.booking.services.reservations import reservation_create
    from teranga.products.booking.tests.factories import BusinessFactory, ServiceFactory
    from teranga.products.smartqueue.models import QueueKind, Strategy
    from teranga.products.smartqueue.selectors.appointments import slot_policy
    from teranga.products.smartqueue.services.appointments import appointment_create
    from teranga.products.smartqueue.services.counters import counter_call_next
    from teranga.products.smartqueue.services.kiosks import kiosk_create
    from teranga.products.smartqueue.services.tickets import ticket_issue
    from teranga.products.smartqueue.tests.factories import (
        CounterFactory,
        DakarBranchFactory,
        QueueFactory,
        QueueServiceFactory,
        staff_counter,
    )

    now = timezone.now()
    org = BusinessFactory(name="Teranga Conformité", slug="teranga-conformite")
    owner = create_user("owner@conformance.test", first_name="Awa", last_name="Ndiaye")
    agent = create_user("agent@conformance.test", first_name="Moussa", last_name="Fall")
    client = create_user("client@conformance.test", first_name="Fatou", last_name="Sow")
    Membership.objects.create(organization=org, user=owner, role=Role.OWNER)
    agent_membership = Membership.objects.create(organization=org, user=agent, role=Role.AGENT)
    Subscription.objects.create(
        organization=org,
        plan=Plan.objects.get(code="enterprise"),  # every feature: kiosks included
        period="yearly",
        currency=org.currency,
        status=SubscriptionStatus.ACTIVE,
        current_period_start=now,
        current_period_end=now + timedelta(days=365),
    )

    # The organisation: a branch with its week, a closure, an invitation.
    branch = DakarBranchFactory(organization=org, name="Agence Plateau")
    organizations.opening_hours_set(
        organization=org,
        branch_id=branch.pk,
        periods=[{"weekday": day, "opens_at": "08:00", "closes_at": "18:00"} for day in range(6)],
    )
    closure = organizations.closure_create(
        organization=org,
        starts_on=(now + timedelta(days=60)).date(),
        ends_on=(now + timedelta(days=61)).date(),
        reason="Inventaire",
    )
    invitation = organizations.invitation_create(
        actor=owner, organization=org, email="new.agent@conformance.test", role=Role.AGENT
    )

    # Booking: a service open Monday to Saturday; a reservation, and another paid.
    service = ServiceFactory(organization=org, name="Coupe", price_amount=5000)
    resource = service.resource
    rule = AvailabilityRule.objects.filter(resource=resource).order_by("weekday").first()
    override = override_create(
        organization=org,
        resource_id=resource.pk,
        date=(now + timedelta(days=40)).date(),
        kind="unavailable",
        reason="Formation",
    )
    slots = _slots(resource, service.slot_policy(), service.offering_key, count=4)
    reservation = reservation_create(
        client=client, service_id=service.pk, starts_at=slots[0].starts_at, client_note="Merci"
    )
    paid = reservation_create(
        client=client, service_id=service.pk, starts_at=slots[-1].starts_at, hold=True
    )
    payment, _created = payment_initiate(
        payer=client,
        target_type=RESERVATION,
        target_id=str(paid.pk),
        provider="sandbox",
        idempotency_key=f"conformance-{paid.pk}",
        request_hash="conformance",
    )
    sandbox_decide(payment_id=payment.pk, outcome="succeeded", deliver_now=True)
    fulfilment_run(payment_id=payment.pk)
    unpaid = reservation_create(
        client=client, service_id=service.pk, starts_at=slots[2].starts_at, hold=True
    )
    coupon = coupon_create(
        actor=owner, organization=org, code="BIENVENUE", kind="percent", percent_off=10
    )

    # SmartQueue: a queue at the branch, a staffed counter, a called ticket and the
    # client's waiting one; an appointment queue; a kiosk.
    queue_service = QueueServiceFactory(
        organization=org,
        name="Opérations courantes",
        appointment_minutes=15,
        appointment_min_notice_minutes=30,
    )
    queue = QueueFactory(
        organization=org,
        branch=branch,
        service=queue_service,
        name="Guichet",
        prefix="A",
        kind=QueueKind.NORMAL,
        strategy=Strategy.FIFO,
    )
    appointment_resource = Resource.objects.create(
        organization=org, branch=branch, name="Rendez-vous Plateau"
    )
    weekly_rules(appointment_resource)
    appointment_queue = QueueFactory(
        organization=org,
        branch=branch,
        service=queue_service,
        name="Rendez-vous",
        prefix="R",
        kind=QueueKind.APPOINTMENT,
        strategy=Strategy.FIFO,
        is_open=False,
        appointment_resource=appointment_resource,
    )
    counter = CounterFactory(
        organization=org, branch=branch, name="Guichet 1", queues=[queue, appointment_queue]
    )
    staff_counter(counter, agent)
    ticket_issue(queue=queue, channel="kiosk")
    ticket = ticket_issue(queue=queue, channel="mobile", user=client)
    counter_call_next(counter_id=counter.pk, agent=agent)  # the kiosk ticket, in hand
    appointment_slots = _slots(
        appointment_resource,
        slot_policy(queue_service),
        f"smartqueue.service:{queue_service.pk}",
        count=3,
    )
    appointment_slot = appointment_slots[len(appointment_slots) // 2]  # clear of the others
    free_appointment_slot = appointment_slots[len(appointment_slots) // 2 + 8]
    appointment = appointment_create(
        user=client,
        service_id=queue_service.pk,
        branch_id=branch.pk,
        starts_at=appointment_slot.starts_at,
    )
    kiosk, kiosk_key = kiosk_create(organization=org, branch_id=branch.pk, name="Borne entrée")

    # Messaging: the client writes to the owner, and to the organisation's support.
    conversation, _created = conversation_create(
        creator=client, kind=ConversationKind.PRIVATE, user_id=owner.pk
    )
    message, _created = message_send(
        sender=client, conversation_id=conversation.pk, body="Bonjour !", client_id="c-1"
    )
    support_settings_update(
        organization=org,
        enabled=True,
        business_hours=[{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(7)],
        welcome_message="Bienvenue !",
        email="support@conformance.test",
    )
    support, _message, _created = support_conversation_open(
        user=client, organization=org.pk, body="Une question sur ma réservation."
    )

    # The client's calendar feed, phone and inbox.
    feed, feed_token = calendar_feed_create(owner=client, name="Mon agenda")
    device, _created = device_register(user=client, token="f" * 64, platform="android")
    notification = Notification.objects.create(
        recipient=client,
        kind="invoice.issued",
        title="Facture",
        body="Votre facture est disponible.",
        idempotency_key=f"conformance-{uuid.uuid4()}",
    )

    from teranga.platform.invoicing.models import Invoice

    invoice = Invoice.objects.filter(organization=org).order_by("created_at").first()

    with override_settings(HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN=24 * 3600):
        tokens = {
            name: authed_client(user).tokens["access_token"]
            for name, user in (("client", client), ("agent", agent), ("owner", owner))
        }

    campus = _campus_world(owner=owner, agent=agent, client=client)

    ids = {
        "organization_id": org.pk,
        "branch_id": branch.pk,
        "closure_id": closure.pk,
        "invitation_id": invitation.pk,
        "membership_id": agent_membership.pk,
        "override_id": override.pk,
        "rule_id": rule.pk,
        "resource_id": resource.pk,
        "reservation_id": reservation.pk,
        "booking_id": reservation.pk,
        "payment_id": payment.pk,
        "coupon_id": coupon.pk,
        "queue_id": queue.pk,
        "counter_id": counter.pk,
        "ticket_id": ticket.pk,
        "appointment_id": appointment.pk,
        "kiosk_id": kiosk.pk,
        "conversation_id": conversation.pk,
        "message_id": message.pk,
        "user_id": owner.pk,
        "feed_id": feed.pk,
        "device_id": device.pk,
        "notification_id": notification.pk,
        "code": "DK",
        "provider": "sandbox",
        "kind": "invoice.issued",
    }
    if invoice is not None:
        ids["invoice_id"] = invoice.pk
    return SimpleNamespace(
        org=org,
        ids={name: str(value) for name, value in ids.items()},
        #: By path: the same name means another object there (the longest prefix last).
        by_prefix={
            "/api/v1/booking/": {"service_id": str(service.pk), "service": str(service.pk)},
            "/api/v1/booking/reservations/": {"starts_at": slots[1].starts_at.isoformat()},
            "/api/v1/smartqueue/": {
                "service_id": str(queue_service.pk),
                "service": str(queue_service.pk),
            },
            "/api/v1/smartqueue/appointments/": {
                "starts_at": free_appointment_slot.starts_at.isoformat()
            },
            "/api/v1/support/": {"conversation_id": str(support.pk)},
            "/api/v1/conversations/": {"user": str(owner.pk)},
            "/api/v1/payments/": {"target_id": str(unpaid.pk)},
            "/calendar/": {"token": feed_token},
            "/api/v1/campus/": campus.ids,
            "/api/v1/campus/invitations/": {"code": campus.invitation_code},
            "/api/v1/campus/share/": {"code": campus.share_code},
        },
        #: Ids a query string or a body may name (``org`` and ``organization`` take an id
        #: or a slug in places: those are always replaced in a valid request).
        fields={
            "org": str(org.pk),
            "organization": str(org.pk),
            "branch": str(branch.pk),
            "queue": str(queue.pk),
            "counter": str(counter.pk),
            "resource": str(resource.pk),
            "reservation": str(reservation.pk),
            "conversation": str(conversation.pk),
        },
        headers={name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()},
        kiosk={"Authorization": f"Api-Key {kiosk_key}"},
    )


def _campus_world(*, owner, agent, client) -> SimpleNamespace:
    """Campus: a university the owner runs (the agent scans), with a club, an event on
    sale with a ticket type, a shared quota, a check-in list, a scanner, a series; the
    client, a student there, holds a ticket, waits on the list and runs a group with a
    post. ``ids``: what the campus paths and fields name."""
    from teranga.platform.organizations.models import Membership, Role
    from teranga.products.campus.models import (
        CheckinList,
        EventInvitation,
        EventSeries,
        SharedQuota,
        ShareLink,
        Tag,
    )
    from teranga.products.campus.services.groups import group_create
    from teranga.products.campus.services.posts import post_create
    from teranga.products.campus.services.scanners import scanner_create
    from teranga.products.campus.tests.factories import (
        EventFactory,
        TicketTypeFactory,
        UniversityFactory,
        club_of,
        issued_ticket,
        student_of,
    )

    university = UniversityFactory(name="Université Conformité", slug="universite-conformite")
    Membership.objects.create(organization=university, user=owner, role=Role.OWNER)
    Membership.objects.create(organization=university, user=agent, role=Role.AGENT)
    club_of(university, name="Club Conformité", slug="club-conformite")
    student_of(client, university)
    series = EventSeries.objects.create(
        organization=university,
        title="Séminaire",
        weekdays=[1],
        start_time="18:00",
        duration_minutes=60,
        first_date=timezone.localdate(),
        last_date=timezone.localdate() + timedelta(weeks=4),
    )
    event = EventFactory(organization=university, series=series, title="Forum des métiers")
    event.tags.add(Tag.objects.get_or_create(slug="tech")[0])
    ticket_type = TicketTypeFactory(event=event, name="Standard", price=2000)
    quota = SharedQuota.objects.create(event=event, name="Salle", size=200)
    quota.ticket_types.add(ticket_type)
    ticket = issued_ticket(ticket_type, client)
    checkin_list = CheckinList.objects.create(event=event, organization=university, name="Entrée")
    scanner, _token = scanner_create(organization=university, name="Porte", created_by=owner)
    entry = event.waiting_list.create(ticket_type=ticket_type, user=client)
    group = group_create(user=client, name="Club de lecture")
    post = post_create(user=client, group_id=group.pk, text="Bienvenue !")
    ids = {
        "organization_id": university.pk,
        "event_id": event.pk,
        "series_id": series.pk,
        "ticket_type_id": ticket_type.pk,
        "quota_id": quota.pk,
        "order_id": ticket.order_id,
        "ticket_id": ticket.pk,
        "list_id": checkin_list.pk,
        "scanner_id": scanner.pk,
        "entry_id": entry.pk,
        "group_id": group.pk,
        "post_id": post.pk,
        "user_id": client.pk,
        "slug": "tech",
        "event": event.pk,
        "ticket_type": ticket_type.pk,
        "organization": university.pk,
        "university": university.pk,
    }
    invitation = EventInvitation.objects.create(
        event=event, user=client, code="CONFORMITEINVITE", invited_by=owner
    )
    share = ShareLink.objects.create(
        event=event,
        created_by=client,
        code="CONFPARTAGE1",
        expires_at=timezone.now() + timedelta(days=7),
    )
    return SimpleNamespace(
        ids={name: str(value) for name, value in ids.items()},
        invitation_code=invitation.code,
        share_code=share.code,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The module's data, in a transaction rolled back when the module is done."""
    with django_db_blocker.unblock(), _connections_kept():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- the run ------------------------------------------------------------------------------


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


#: Replaced whatever their generated value (an id, a slug, a time): a valid request
#: names the world's object.
ANY_FORMAT = {"org", "organization", "starts_at", "target_id"}


def _point_at_the_data(case, world) -> None:
    """The case's ids become the world's (only where it was generated valid: a negative
    value stays, to be refused)."""
    from schemathesis.core.parameters import ParameterLocation

    path = case.operation.path
    named = dict(world.ids)
    fields = dict(world.fields)
    for prefix, values in world.by_prefix.items():
        if path.startswith(prefix):
            named.update(values)
            fields.update(values)
    meta = case.meta

    def negative(location) -> bool:
        return meta is not None and meta.is_negative_at(location)

    if case.path_parameters and not negative(ParameterLocation.PATH):
        for name in case.path_parameters:
            if name in named:
                case.path_parameters[name] = named[name]
    if case.query and not negative(ParameterLocation.QUERY):
        for name, value in case.query.items():
            if name in fields and (_is_uuid(value) or name in ANY_FORMAT):
                case.query[name] = fields[name]
    if isinstance(case.body, dict) and not negative(ParameterLocation.BODY):
        for name, value in case.body.items():
            if name in fields and (_is_uuid(value) or name in ANY_FORMAT):
                case.body[name] = fields[name]


_TURNS = itertools.count()


@contextmanager
def _rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_as_documented(case, world):
    _point_at_the_data(case, world)
    identities = [world.headers["client"], world.headers["agent"], world.headers["owner"]]
    if "/kiosk/" in case.operation.path:
        identities.append(world.kiosk)
    if case.meta is not None and case.meta.generation.mode.is_negative:
        # Invalid input (most of the coverage phase's cases): each goes to one identity
        # in turn, which keeps the run short; valid input goes to every identity.
        identities = [identities[next(_TURNS) % len(identities)]]
    with _connections_kept():
        for headers in identities:
            cache.clear()  # rate limits: every request reaches the view
            with _rolled_back():
                case.call_and_validate(
                    headers={**headers, "Accept-Encoding": "identity"}, checks=CHECKS
                )


# --- bad data: negative generation only, every operation, no 5xx -------------------------

#: The same schema with schemathesis' negative generation only: invalid bodies, query
#: and path parameters and headers (GenerationMode.NEGATIVE), fuzzed. The one rule is
#: ``not_a_server_error``: bad input gets a 4xx. A separate schema object: its generation
#: settings are its own. No coverage phase here: its invalid cases (each kind of invalid
#: value once) are already sent by the run above, with every check, not only "no 5xx".
#: Sending them again doubled the module's requests for nothing new.
negative_schema = _wsgi_schema()
negative_schema.config.generation.update(modes=[GenerationMode.NEGATIVE])
negative_schema.config.phases.coverage.enabled = False


@pytest.fixture
def _postgresql_leg():
    """The negative-data run belongs to the PostgreSQL + Redis leg of CI (``.ci/run``):
    DATABASE_URL names PostgreSQL, and the database must be what the tests run on."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(f"DATABASE_URL names PostgreSQL but the tests run on {connection.vendor}")


# An operation with no parameter and no body has nothing to make invalid: schemathesis
# skips it, saying so.
@mark_expected_skip("postgresql", "Impossible to generate negative test cases")
@negative_schema.parametrize()
@settings(
    max_examples=NEGATIVE_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_bad_data_never_answers_5xx(_postgresql_leg, case, world):
    _point_at_the_data(case, world)
    identities = [{}, world.headers["client"], world.headers["owner"]]
    if "/kiosk/" in case.operation.path:
        identities.append(world.kiosk)
    headers = identities[next(_TURNS) % len(identities)]  # anonymous too, in turn
    with _connections_kept():
        cache.clear()
        with _rolled_back():
            case.call_and_validate(
                headers={**headers, "Accept-Encoding": "identity"}, checks=[not_a_server_error]
            )
