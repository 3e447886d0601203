"""Clients generated from our schemas work, as client developers generate them.

* **Python**: openapi-python-client generates a client from the live server's
  ``/api/schema/`` and another from allauth's ``/_allauth/openapi.json``. Every generated
  module imports; then scripted flows use only the generated functions and models against
  ``manage.py serve`` (the real settings, its own database with ``seed_demo``'s data):
  login through allauth's app flow (its JWT access token is our bearer token), Booking
  (services, slots, a held reservation paid with the sandbox provider, confirmed, then
  cancelled), SmartQueue (a client takes a ticket, in Wolof; an agent calls, starts and
  finishes it), Messaging (a chat opened, a message sent and read by the other party)
  and Payments (an organisation refunds a succeeded payment). The generated client raises
  on any status the schema does not document, and parses every answer with the
  schema's types (a null where the schema promises a value fails).
* **TypeScript**: ``clients/typescript``: openapi-typescript generates ``schema.d.ts``
  from ``manage.py spectacular``'s schema and ``tsc --noEmit`` type-checks ``flow.ts``
  (the same flows through openapi-fetch) against it.

One server per module, each client generated once. The server's database: SQLite in a
fresh DATA_DIR, or ``<name>_clients`` on the PostgreSQL server of DATABASE_URL (created and
dropped here); with REDIS_URL, its own Redis database number, HUEY_NAME and
CHANNELS_PREFIX, with the task consumer in-process. Every wait is bounded; everything
listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import sys
import uuid
from datetime import date, timedelta
from urllib.parse import urlparse

import httpx
import pytest

from tests.generated_clients import (
    TYPESCRIPT_DIR,
    GeneratedClient,
    LiveServer,
    eventually,
    generate_python_client,
    node_tools,
    npm_ci,
    run_node,
    sandbox_pay,
)
from tests.live import free_port, manage, own_database, process_env, with_path

pytestmark = pytest.mark.live

PASSWORD = "Teranga-Clients-2026!"
DOMAIN = "teranga.demo"
CLIENT1 = f"client1@{DOMAIN}"  # French
CLIENT2 = f"client2@{DOMAIN}"  # Wolof
CLIENT3 = f"client3@{DOMAIN}"  # English
SALON_OWNER = f"salon.owner@{DOMAIN}"  # Salon Ndèye (Booking)
HOSPITAL_AGENT = f"hopital.agent1@{DOMAIN}"  # Hôpital Principal, counter "Salle 1"


# --- the server -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def port():
    return free_port()


@pytest.fixture(scope="module")
def live_env(tmp_path_factory, port):
    """The server's environment, its database migrated and the demo data loaded."""
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("clients-data")),
        EMBEDDED_WORKER="1",
        LOG_LEVEL="WARNING",
        DEMO_PASSWORD=PASSWORD,
        PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        current = urlparse(redis_url).path.lstrip("/") or "0"
        env["REDIS_URL"] = with_path(redis_url, "/10" if current != "10" else "/9")
        env["HUEY_NAME"] = env["CHANNELS_PREFIX"] = f"clients{uuid.uuid4().hex[:8]}"
    with own_database(env, "clients"):
        manage("migrate", "--noinput", env=env, timeout=300)
        manage("seed_demo", env=env, timeout=300)
        yield env
    if redis_url:
        _forget_redis_keys(env)


def _forget_redis_keys(env: dict) -> None:
    """Delete what the server left in its Redis database (used by this module only): the
    task queue and channel layer keys (their prefix) and the cache's keys (``:1:…``)."""
    import redis

    client = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=5)
    try:
        for pattern in (f"*{env['HUEY_NAME']}*", ":1:*"):
            keys = list(client.scan_iter(match=pattern, count=500))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="module")
def server(live_env, port, tmp_path_factory):
    srv = LiveServer(live_env, tmp_path_factory.mktemp("clients-log") / "server.log", port=port)
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


# --- the generated Python clients --------------------------------------------------------


@pytest.fixture(scope="module")
def generated(server, tmp_path_factory):
    """Both clients, generated once from the schemas the live server serves."""
    out = tmp_path_factory.mktemp("generated")
    schemas = {
        "teranga_api": f"{server.base}/api/schema/?format=json",
        "allauth_api": f"{server.base}/_allauth/openapi.json",
    }
    clients = {}
    for package, url in schemas.items():
        response = httpx.get(url, timeout=60)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        assert response.json()["openapi"].startswith("3.")
        path = out / f"{package}.json"
        path.write_bytes(response.content)
        clients[package] = generate_python_client(path, out, package)
    yield clients
    for client in clients.values():
        client.forget()
    sys.path.remove(str(out))


@pytest.fixture(scope="module")
def teranga(generated) -> GeneratedClient:
    return generated["teranga_api"]


@pytest.fixture(scope="module")
def allauth(generated) -> GeneratedClient:
    return generated["allauth_api"]


def anonymous(teranga: GeneratedClient, server: LiveServer, language: str | None = None):
    headers = {"Accept-Language": language} if language else {}
    return teranga.module("client").Client(
        base_url=server.base,
        headers=headers,
        timeout=httpx.Timeout(30.0),
        raise_on_unexpected_status=True,
    )


@pytest.fixture(scope="module")
def signed_in(teranga, allauth, server):
    """``signed_in(email, language=None)`` -> our generated AuthenticatedClient, with the
    access token from allauth's app login (through the allauth client)."""

    def sign_in(email: str, language: str | None = None):
        auth = allauth.module("client").Client(
            base_url=server.base, timeout=httpx.Timeout(30.0), raise_on_unexpected_status=True
        )
        body = allauth.models.Login(password=PASSWORD)
        # allauth's Login is allOf [password, anyOf(username | email | phone)]: the
        # generator models the first part and keeps the rest as additional properties.
        body["email"] = email
        response = allauth.op("post_allauth_app_v1_auth_login").sync_detailed(
            client=auth, body=body
        )
        assert response.status_code == 200, response.content
        assert isinstance(response.parsed, allauth.models.AuthenticatedResponse)
        assert response.parsed.data.user.email == email
        token = response.parsed.meta.access_token
        assert isinstance(token, str) and token.count(".") == 2  # a JWT
        headers = {"Accept-Language": language} if language else {}
        return teranga.module("client").AuthenticatedClient(
            base_url=server.base,
            token=token,
            headers=headers,
            timeout=httpx.Timeout(30.0),
            raise_on_unexpected_status=True,
        )

    return sign_in


def parsed(response, status: int, model):
    """The parsed answer, after checking its status and type."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    assert isinstance(response.parsed, model), response.parsed
    return response.parsed


# --- Python: the generated modules --------------------------------------------------------


def test_every_generated_python_module_imports(teranga, allauth):
    for client, minimum in ((teranga, 400), (allauth, 100)):
        count, failures = client.import_all()
        assert not failures, f"{client.package}: {len(failures)} modules fail:\n" + "\n".join(
            failures[:40]
        )
        assert count >= minimum, f"{client.package}: only {count} modules"


# --- Python: the flows --------------------------------------------------------------------


def test_booking_reserve_pay_confirm_cancel(teranga, server, signed_in):
    m = teranga.models
    public = anonymous(teranga, server)
    services = parsed(
        teranga.op("booking_services_list").sync_detailed(client=public, q="Atelier soins"),
        200,
        m.PaginatedServiceList,
    )
    # Paid online in full: held, paid, then confirmed by the payment (payment_mode).
    service = next(s for s in services.results if s.name == "Atelier soins du visage")
    assert service.price.amount == 8000 and service.price.currency == "XOF"
    assert service.payment_mode == m.PaymentModeEnum.ONLINE_FULL

    start = date.today() + timedelta(days=2)  # beyond the 12-hour cancellation notice
    slots = parsed(
        teranga.op("booking_services_slots_retrieve").sync_detailed(
            service.id,
            client=public,
            from_=start.isoformat(),
            to=(start + timedelta(days=7)).isoformat(),
        ),
        200,
        m.ServiceSlots,
    )
    assert slots.slots, "no free slot in a week"
    slot = slots.slots[0]

    client = signed_in(CLIENT1)
    reservation = parsed(
        teranga.op("booking_reservations_create").sync_detailed(
            client=client,
            body=m.ReservationCreateRequest(
                service=service.id, starts_at=slot.starts_at, hold=True, client_note="Client API"
            ),
        ),
        201,
        m.ReservationDetail,
    )
    assert reservation.status == m.BookingStatusEnum.PENDING
    assert reservation.hold_expires_at is not None
    assert reservation.starts_at == slot.starts_at

    payment = parsed(
        teranga.op("payments_create").sync_detailed(
            client=client,
            idempotency_key=f"clients-{uuid.uuid4().hex}",
            body=m.PaymentInitiateRequest(
                target_type="booking.reservation",
                target_id=str(reservation.id),
                provider="sandbox",
            ),
        ),
        201,
        m.PaymentDetail,
    )
    assert payment.checkout_url == f"{server.base}/pay/sandbox/{payment.id}/"
    assert payment.total.amount == 8000

    # The payer's browser on the sandbox provider's page; its webhook then reaches us.
    assert sandbox_pay(payment.checkout_url) == "succeeded"

    def reservation_now():
        return parsed(
            teranga.op("booking_reservations_retrieve").sync_detailed(
                reservation.id, client=client
            ),
            200,
            m.ReservationDetail,
        )

    confirmed = eventually(
        reservation_now, lambda r: r.status == m.BookingStatusEnum.CONFIRMED, "confirmed"
    )
    assert confirmed.confirmed_at is not None and confirmed.hold_expires_at is None
    paid = parsed(
        teranga.op("payments_retrieve").sync_detailed(payment.id, client=client),
        200,
        m.PaymentDetail,
    )
    assert paid.status == m.PaymentStatusEnum.SUCCEEDED and paid.succeeded_at is not None
    assert paid.fulfilment_status == "done"

    cancelled = parsed(
        teranga.op("booking_reservations_cancel_create").sync_detailed(
            reservation.id,
            client=client,
            body=m.ReservationCancelRequest(reason="Empêchement"),
        ),
        200,
        m.ReservationDetail,
    )
    assert cancelled.status == m.BookingStatusEnum.CANCELLED_BY_CLIENT
    assert cancelled.cancelled_at is not None
    assert cancelled.cancellation_reason == "Empêchement"


def test_payments_the_organisation_refunds_a_succeeded_payment(teranga, signed_in):
    m = teranga.models
    owner = signed_in(SALON_OWNER)
    mine = parsed(
        teranga.op("organizations_mine_list").sync_detailed(client=owner),
        200,
        m.PaginatedMyOrganizationList,
    )
    salon = next(o.organization for o in mine.results if o.organization.slug == "salon-ndeye")
    payments = parsed(
        teranga.op("payments_list").sync_detailed(
            client=owner,
            organization=salon.id,
            status=[m.PaymentsListStatusItem.SUCCEEDED],
        ),
        200,
        m.PaginatedPaymentList,
    )
    # The demo's deposit of client1 (paid with the sandbox), and any paid since.
    payment = next(p for p in payments.results if p.refunded.amount == 0)
    assert payment.status == m.PaymentStatusEnum.SUCCEEDED

    refund = parsed(
        teranga.op("payments_refund_create").sync_detailed(
            payment.id,
            client=owner,
            body=m.RefundCreateRequest(reason="Geste commercial"),
        ),
        201,
        m.Refund,
    )
    assert refund.payment == payment.id
    assert refund.amount.amount == payment.total.amount
    assert refund.reason == "Geste commercial" and not refund.automatic

    def payment_now():
        return parsed(
            teranga.op("payments_retrieve").sync_detailed(payment.id, client=owner),
            200,
            m.PaymentDetail,
        )

    refunded = eventually(
        payment_now,
        lambda p: [r.status for r in p.refunds] == [m.RefundStatusEnum.SUCCEEDED],
        "refund succeeded",
    )
    assert refunded.status == m.PaymentStatusEnum.REFUNDED
    assert refunded.refunded.amount == payment.total.amount
    assert refunded.refunds[0].succeeded_at is not None


def test_smartqueue_take_call_start_finish_in_wolof(teranga, server, signed_in):
    m = teranga.models
    public = anonymous(teranga, server, language="wo")
    organizations = parsed(
        teranga.op("organizations_list").sync_detailed(client=public, q="Hôpital Principal"),
        200,
        m.PaginatedOrganizationPublicList,
    )
    hospital = next(o for o in organizations.results if o.slug == "hopital-principal")
    queues = parsed(
        teranga.op("smartqueue_queues_list").sync_detailed(client=public, organization=hospital.id),
        200,
        m.PaginatedSqQueueViewList,
    )
    queue = next(q for q in queues.results if q.prefix == "C")
    assert isinstance(queue, m.SqPublicQueue), "the public view, not the staff one"
    assert queue.is_open and queue.waiting == 0

    client = signed_in(CLIENT2, language="wo")
    taken = teranga.op("smartqueue_queues_tickets_create").sync_detailed(
        queue.id, client=client, body=m.TicketTakeRequest(channel=m.TicketTakeChannelEnum.MOBILE)
    )
    assert taken.headers["Content-Language"] == "wo"
    ticket = parsed(taken, 201, m.TicketDetail)
    assert ticket.status == m.TicketStatusEnum.WAITING
    assert ticket.number.startswith("C") and ticket.position == 1
    assert ticket.called_at is None and ticket.counter is None

    agent = signed_in(HOSPITAL_AGENT)
    session = parsed(
        teranga.op("smartqueue_counters_mine_retrieve").sync_detailed(client=agent),
        200,
        m.SqSession,
    )
    counter_id = session.counter.id
    called = parsed(
        teranga.op("smartqueue_counters_call_next_create").sync_detailed(counter_id, client=agent),
        200,
        m.CallNext,
    )
    assert called.called is not None and called.called.id == ticket.id
    started = parsed(
        teranga.op("smartqueue_counters_start_create").sync_detailed(counter_id, client=agent),
        200,
        m.CounterAction,
    )
    assert started.ticket is not None and started.ticket.id == ticket.id
    assert started.ticket.status == m.TicketStatusEnum.SERVING
    finished = parsed(
        teranga.op("smartqueue_counters_finish_create").sync_detailed(
            counter_id, client=agent, body=m.FinishRequest()
        ),
        200,
        m.CounterAction,
    )
    assert finished.ticket is not None and finished.ticket.id == ticket.id
    assert finished.ticket.status == m.TicketStatusEnum.SERVED
    assert finished.current is None

    served = parsed(
        teranga.op("smartqueue_tickets_retrieve").sync_detailed(ticket.id, client=client),
        200,
        m.TicketDetail,
    )
    assert served.status == m.TicketStatusEnum.SERVED
    assert served.served_at is not None and served.counter is not None

    # A served ticket cannot be cancelled: the error's message is in Wolof.
    refused = teranga.op("smartqueue_tickets_cancel_create").sync_detailed(ticket.id, client=client)
    error = parsed(refused, 409, m.Error)
    assert refused.headers["Content-Language"] == "wo"
    in_french = teranga.op("smartqueue_tickets_cancel_create").sync_detailed(
        ticket.id, client=client.with_headers({"Accept-Language": "fr"})
    )
    assert parsed(in_french, 409, m.Error).error.code == error.error.code
    assert in_french.parsed.error.message != error.error.message


def test_messaging_open_send_and_read(teranga, signed_in):
    m = teranga.models
    reader = signed_in(CLIENT1)
    me = parsed(teranga.op("me_retrieve").sync_detailed(client=reader), 200, m.Me)
    writer = signed_in(CLIENT3)

    conversation = parsed(
        teranga.op("conversations_create").sync_detailed(
            client=writer,
            body=m.ConversationCreateRequest(kind=m.ConversationCreateKindEnum.PRIVATE, user=me.id),
        ),
        201,
        m.ConversationDetail,
    )
    client_id = uuid.uuid4().hex
    sent = parsed(
        teranga.op("conversations_messages_create").sync_detailed(
            conversation.id,
            client=writer,
            body=m.MessageCreateRequest(
                body="Bonjour depuis le client généré", client_id=client_id
            ),
        ),
        201,
        m.Message,
    )
    assert sent.seq == 1 and sent.client_id == client_id and sent.sender is not None

    unread = parsed(
        teranga.op("conversations_list").sync_detailed(client=reader, unread=True),
        200,
        m.PaginatedConversationList,
    )
    listed = next(c for c in unread.results if c.id == conversation.id)
    assert listed.unread == 1
    assert listed.last_message is not None and listed.last_message.id == sent.id

    messages = parsed(
        teranga.op("conversations_messages_list").sync_detailed(conversation.id, client=reader),
        200,
        m.PaginatedMessageList,
    )
    assert [(x.id, x.body) for x in messages.results] == [(sent.id, sent.body)]

    read = parsed(
        teranga.op("conversations_read_create").sync_detailed(
            conversation.id, client=reader, body=m.ReadRequest(seq=sent.seq)
        ),
        200,
        m.ReadState,
    )
    assert read.last_read_seq == sent.seq and read.unread == 0
    after = parsed(
        teranga.op("conversations_retrieve").sync_detailed(conversation.id, client=reader),
        200,
        m.ConversationDetail,
    )
    assert after.unread == 0


# --- TypeScript ---------------------------------------------------------------------------


def test_typescript_client_type_checks(tmp_path):
    """``npm run generate`` (openapi-typescript: schema.json -> schema.d.ts), then ``npm run
    check`` (tsc --noEmit on flow.ts); the compiler's output is the failure message."""
    node_tools()
    npm_ci()
    env = process_env(DATA_DIR=str(tmp_path / "data"))
    schema = TYPESCRIPT_DIR / "schema.json"
    manage("spectacular", "--format", "openapi-json", "--file", str(schema), env=env)
    generated = run_node(["npm", "run", "--silent", "generate"])
    assert generated.returncode == 0, (
        f"openapi-typescript failed:\n{generated.stdout}\n{generated.stderr}"
    )
    assert (TYPESCRIPT_DIR / "schema.d.ts").stat().st_mtime >= schema.stat().st_mtime
    checked = run_node(["npm", "run", "--silent", "check", "--", "--pretty", "false"])
    if checked.returncode != 0:
        pytest.fail(
            f"flow.ts does not type-check against the schema:\n{checked.stdout}\n{checked.stderr}"
        )
