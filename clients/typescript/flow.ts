/**
 * The flows of tests/test_generated_clients.py, written against the TypeScript client
 * generated from /api/schema/ (openapi-typescript -> schema.d.ts) with openapi-fetch.
 * The test type-checks this file (tsc --noEmit): a schema change that breaks a client
 * breaks the build here.
 *
 * Login is allauth's headless "app" flow (/_allauth/app/v1/auth/login, described by
 * /_allauth/openapi.json); its JWT access token is the bearer token of every call.
 */
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Api = Client<paths>;
type Schemas = components["schemas"];

/** A client of our API, optionally signed in, answering in `language` (fr, en, wo). */
export function teranga(baseUrl: string, accessToken?: string, language = "fr"): Api {
  const headers: Record<string, string> = { "Accept-Language": language };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  return createClient<paths>({ baseUrl, headers });
}

/** allauth's app login (email + password); returns the JWT access token. */
export async function login(baseUrl: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/_allauth/app/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = (await response.json()) as { meta?: { access_token?: string } };
  if (response.status !== 200 || !body.meta?.access_token) {
    throw new Error(`login failed: HTTP ${response.status}`);
  }
  return body.meta.access_token;
}

/** The answer's data, or an error carrying the status and the API's error code. */
function must<T>(
  result: { data?: T; error?: Schemas["Error"] | unknown; response: Response },
  what: string,
): T {
  if (result.data === undefined) {
    const code = (result.error as Schemas["Error"] | undefined)?.error?.code ?? "";
    throw new Error(`${what}: HTTP ${result.response.status} ${code}`);
  }
  return result.data;
}

function isoDate(daysFromNow: number): string {
  return new Date(Date.now() + daysFromNow * 86_400_000).toISOString().slice(0, 10);
}

// --- Booking ----------------------------------------------------------------------------

/** List services, get a slot, reserve it with a hold and start paying with the sandbox;
 * the payer then decides on `payment.checkout_url` (a web page, not the API). */
export async function bookAndPay(anonymous: Api, client: Api) {
  const services = must(
    await anonymous.GET("/api/v1/booking/services/", { params: { query: { q: "Atelier soins" } } }),
    "services",
  );
  const service: Schemas["Service"] | undefined = services.results.find(
    (s) => s.name === "Atelier soins du visage" && s.payment_mode === "online_full",
  );
  if (!service) throw new Error("no such service");

  const slots: Schemas["ServiceSlots"] = must(
    await anonymous.GET("/api/v1/booking/services/{service_id}/slots/", {
      params: { path: { service_id: service.id }, query: { from: isoDate(2), to: isoDate(9) } },
    }),
    "slots",
  );
  const slot = slots.slots[0];
  if (!slot) throw new Error("no free slot");

  const reservation: Schemas["ReservationDetail"] = must(
    await client.POST("/api/v1/booking/reservations/", {
      body: { service: service.id, starts_at: slot.starts_at, hold: true },
    }),
    "reserve",
  );
  const payment: Schemas["PaymentDetail"] = must(
    await client.POST("/api/v1/payments/", {
      params: { header: { "Idempotency-Key": `ts-${reservation.id}` } },
      body: { target_type: "booking.reservation", target_id: reservation.id, provider: "sandbox" },
    }),
    "pay",
  );
  return { reservation, payment, checkoutUrl: payment.checkout_url };
}

/** After the sandbox payment: the reservation is confirmed; the client cancels it. */
export async function confirmedThenCancel(client: Api, reservationId: string) {
  const reservation = must(
    await client.GET("/api/v1/booking/reservations/{reservation_id}/", {
      params: { path: { reservation_id: reservationId } },
    }),
    "reservation",
  );
  const confirmed: boolean = reservation.status === "confirmed";
  const cancelled = must(
    await client.POST("/api/v1/booking/reservations/{reservation_id}/cancel/", {
      params: { path: { reservation_id: reservationId } },
      body: { reason: "Empêchement" },
    }),
    "cancel",
  );
  const status: Schemas["BookingStatusEnum"] = cancelled.status;
  return { confirmed, status, cancelledAt: cancelled.cancelled_at };
}

// --- Payments ---------------------------------------------------------------------------

/** The organisation (a manager) refunds a succeeded payment in full. */
export async function refundFirstSucceeded(owner: Api, organizationId: string) {
  const payments = must(
    await owner.GET("/api/v1/payments/", {
      params: { query: { organization: organizationId, status: ["succeeded"] } },
    }),
    "payments",
  );
  const payment = payments.results.find((p) => p.refunded.amount === 0);
  if (!payment) throw new Error("nothing to refund");
  const refund: Schemas["Refund"] = must(
    await owner.POST("/api/v1/payments/{payment_id}/refund/", {
      params: { path: { payment_id: payment.id } },
      body: { reason: "Geste commercial" },
    }),
    "refund",
  );
  const status: Schemas["RefundStatusEnum"] = refund.status;
  return { refund, status, amount: refund.amount.amount };
}

// --- SmartQueue -------------------------------------------------------------------------

/** A client takes a ticket; the agent at their counter calls, starts and finishes it. */
export async function takeAndServe(client: Api, agent: Api, organizationId: string) {
  const queues = must(
    await client.GET("/api/v1/smartqueue/queues/", {
      params: { query: { organization: organizationId } },
    }),
    "queues",
  );
  const queue: Schemas["SqQueueView"] | undefined = queues.results.find((q) => q.prefix === "C");
  if (!queue) throw new Error("no such queue");

  const taken = must(
    await client.POST("/api/v1/smartqueue/queues/{queue_id}/tickets/", {
      params: { path: { queue_id: queue.id } },
      body: { channel: "mobile" },
    }),
    "take a ticket",
  );
  if (!("number" in taken)) {
    // A paid service answers 202 with an order to pay first.
    const order: Schemas["TicketOrder"] = taken;
    return { order };
  }
  const ticket: Schemas["TicketDetail"] = taken;

  const session: Schemas["SqSession"] = must(
    await agent.GET("/api/v1/smartqueue/counters/mine/"),
    "my counter",
  );
  const counter = { params: { path: { counter_id: session.counter.id } } };
  const called: Schemas["CallNext"] = must(
    await agent.POST("/api/v1/smartqueue/counters/{counter_id}/call-next/", counter),
    "call next",
  );
  must(await agent.POST("/api/v1/smartqueue/counters/{counter_id}/start/", counter), "start");
  const finished: Schemas["CounterAction"] = must(
    await agent.POST("/api/v1/smartqueue/counters/{counter_id}/finish/", {
      ...counter,
      body: { note: "" },
    }),
    "finish",
  );
  const served = must(
    await client.GET("/api/v1/smartqueue/tickets/{ticket_id}/", {
      params: { path: { ticket_id: ticket.id } },
    }),
    "ticket",
  );
  const status: Schemas["TicketStatusEnum"] = served.status;
  const servedAt: string | null = served.served_at;
  return { ticket, calledId: called.called?.id, finished: finished.ticket?.status, status, servedAt };
}

// --- Messaging --------------------------------------------------------------------------

/** `writer` opens a private chat with `readerId` and sends a message; the reader reads it. */
export async function chat(writer: Api, reader: Api, readerId: string) {
  const conversation: Schemas["ConversationDetail"] = must(
    await writer.POST("/api/v1/conversations/", { body: { kind: "private", user: readerId } }),
    "open a chat",
  );
  const path = { params: { path: { conversation_id: conversation.id } } };
  const sent: Schemas["Message"] = must(
    await writer.POST("/api/v1/conversations/{conversation_id}/messages/", {
      ...path,
      body: { body: "Bonjour depuis le client TypeScript", client_id: crypto.randomUUID() },
    }),
    "send",
  );
  const page = must(
    await reader.GET("/api/v1/conversations/{conversation_id}/messages/", path),
    "messages",
  );
  const read: Schemas["ReadState"] = must(
    await reader.POST("/api/v1/conversations/{conversation_id}/read/", {
      ...path,
      body: { seq: sent.seq },
    }),
    "read",
  );
  return { sent, received: page.results.map((m) => m.body), unread: read.unread };
}
