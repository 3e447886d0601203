"""One way for our own adapters to call a provider over HTTP (Wave, Orange Money, Free
Money, PayPal's webhook check, the Orange SMS API): httpx2 with a timeout on every call
and bounded retries. It knows no domain: a provider's failure is a :class:`ProviderError`
(the payments' adapters raise the same class, re-exported by their ``base``).

Settings (their historical names, shared by every caller): ``PAYMENTS_HTTP_TIMEOUT``
(seconds per call), ``PAYMENTS_HTTP_RETRIES`` (retries of a safe call),
``PAYMENTS_HTTP_BACKOFF`` (seconds before the first retry, doubled each time).

Retries only happen where repeating is safe: reads, and writes that carry an
idempotency key (the adapter says so with ``retry=True``). They cover connection errors,
timeouts, 429 and 5xx, with a short exponential backoff. Tests swap the transport
(``use_transport``) to answer with the provider's documented responses; nothing here
ever needs the network in a test.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

import httpx2
from django.conf import settings

from teranga.core.asgi_handler import slot_released

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_transport: httpx2.BaseTransport | None = None


class ProviderError(Exception):
    """The provider refused the call or could not be reached (after the bounded retries).

    ``retryable``: worth trying again later (timeout, 5xx, 429) rather than a refusal.
    """

    def __init__(self, message: str, *, retryable: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


@contextlib.contextmanager
def use_transport(transport: httpx2.BaseTransport) -> Iterator[None]:
    """Route every adapter call through ``transport`` (tests: ``httpx2.MockTransport``)."""
    global _transport
    previous, _transport = _transport, transport
    try:
        yield
    finally:
        _transport = previous


def client(*, base_url: str = "", headers: dict[str, str] | None = None) -> httpx2.Client:
    timeout = float(getattr(settings, "PAYMENTS_HTTP_TIMEOUT", 10.0))
    return httpx2.Client(
        base_url=base_url,
        headers=headers or {},
        timeout=httpx2.Timeout(timeout, connect=min(timeout, 5.0)),
        transport=_transport,
        follow_redirects=False,
    )


def send(
    http: httpx2.Client,
    method: str,
    url: str,
    *,
    retry: bool = False,
    provider: str,
    **kwargs,
) -> httpx2.Response:
    """Send one request; retry (bounded) when ``retry`` and the failure is transient.

    Returns the final response whatever its status (the adapter reads the provider's
    error body); raises ProviderError(retryable=True) when the provider could not be
    reached at all. Never logs bodies or headers (they carry secrets and personal data).
    """
    # The wait (retries and backoff included) gives the request's slot to the next one in
    # line (``teranga.core.asgi_handler``): a slow provider holds up no other request.
    with slot_released():
        return _send(http, method, url, retry=retry, provider=provider, **kwargs)


def _send(http, method, url, *, retry, provider, **kwargs) -> httpx2.Response:
    attempts = 1 + (int(getattr(settings, "PAYMENTS_HTTP_RETRIES", 2)) if retry else 0)
    backoff = float(getattr(settings, "PAYMENTS_HTTP_BACKOFF", 0.5))
    for attempt in range(1, attempts + 1):
        try:
            response = http.request(method, url, **kwargs)
        except httpx2.TransportError as exc:
            logger.warning(
                "payment provider unreachable",
                extra={"provider": provider, "attempt": attempt, "error": type(exc).__name__},
            )
            if attempt == attempts:
                raise ProviderError(
                    f"{provider} could not be reached", retryable=True, code="unreachable"
                ) from exc
        else:
            if response.status_code not in RETRYABLE_STATUS or attempt == attempts:
                return response
            logger.warning(
                "payment provider answered %s, retrying",
                response.status_code,
                extra={"provider": provider, "attempt": attempt},
            )
        time.sleep(backoff * (2 ** (attempt - 1)))
    raise AssertionError("unreachable")  # pragma: no cover


def raise_for_status(response: httpx2.Response, *, provider: str) -> None:
    """A ProviderError naming the status (never the body) for any non-2xx answer."""
    if response.is_success:
        return
    raise ProviderError(
        f"{provider} answered HTTP {response.status_code}",
        retryable=response.status_code in RETRYABLE_STATUS,
        code=f"http_{response.status_code}",
    )
