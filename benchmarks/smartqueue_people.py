"""Shared setup of the SmartQueue benchmarks: a verified bank with one branch and one
service, users in bulk with JWTs minted directly (no password hashing, no login round
trip), and the real server started with the benchmark settings."""

from __future__ import annotations

import threading
import time

PASSWORD_FREE = "!"  # unusable password: these users only ever present tokens


def bank_with_service():
    from django.utils import timezone

    from teranga.platform.organizations.models import Branch, Organization, VerificationStatus
    from teranga.products.smartqueue.models import QueueService

    organization = Organization.objects.create(
        kind="bank",
        name="Banque Benchmark",
        slug="banque-benchmark",
        time_zone="Africa/Dakar",
        country="SN",
        verification_status=VerificationStatus.VERIFIED,
        verified_at=timezone.now(),
    )
    branch = Branch.objects.create(organization=organization, name="Agence Plateau")
    service = QueueService.objects.create(
        organization=organization, name="Opérations courantes", average_service_minutes=5
    )
    return organization, branch, service


def users_with_tokens(count: int, prefix: str):
    """``count`` users and an access token each. Each token has its own database session
    holding the user's login (the JWTs are stateful), as after a real login."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    User = get_user_model()
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{n}@bench.example", password=PASSWORD_FREE) for n in range(count)]
    )
    users = list(User.objects.filter(email__startswith=prefix).order_by("email"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users]
    )
    return [(user, token_for(user)) for user in users]


def token_for(user) -> str:
    """An access token for ``user`` with its own database session holding the login (the
    JWTs are stateful), as after a real login."""
    from allauth.headless.tokens.strategies.jwt import internal
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return internal.create_access_token(user, session, {})


def run_threads(base: str, count: int, loop) -> float:
    """``count`` threads, each with its own keep-alive HTTP connection to ``base``, run
    ``loop(index, http)`` after a common start; returns the elapsed seconds."""
    import httpx

    clients = [httpx.Client(base_url=base, timeout=60) for _ in range(count)]
    for http in clients:
        http.get("/health/live/")  # open the connection before the clock starts
    barrier = threading.Barrier(count + 1, timeout=120)

    def run(index: int, http) -> None:
        barrier.wait()
        loop(index, http)

    threads = [
        threading.Thread(target=run, args=(i, http), daemon=True) for i, http in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for http in clients:
        http.close()
    return elapsed


def shared_jobs(jobs: list):
    """A thread-safe ``take()`` over ``jobs`` (None when empty)."""
    lock = threading.Lock()
    pending = list(reversed(jobs))

    def take():
        with lock:
            return pending.pop() if pending else None

    return take
