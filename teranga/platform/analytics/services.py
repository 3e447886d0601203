"""Writes of analytics: collecting an event (into the buffer), flushing the buffer into
the database in batches, the daily salt, and what admins define (sites, goals, funnels)
and users tell (demographics).

Collecting never writes to the database: :func:`event_collect` hashes the visitor,
places the address (offline), forgets the address and appends one record to the buffer
(``buffer``). :func:`events_flush` writes the records: one query to find the visits
still open, then bulk inserts and updates, in one transaction, whatever the batch's
size.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.codes import random_code
from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.core.locks import exclusive

from . import buffer
from .enrichment import Place, locate, parse_agent, source_of, split_url
from .errors import AnalyticsError
from .models import (
    PAGEVIEW,
    PUBLIC_ID_LENGTH,
    REFERRER_MAX_LENGTH,
    VISIT_TIMEOUT_MINUTES,
    Demographics,
    Event,
    Funnel,
    FunnelStep,
    Goal,
    GoalKind,
    Salt,
    Site,
    Visit,
)

SITE_CACHE_SECONDS = 60.0
USER_AGENT_MAX_LENGTH = 500
FLUSH_LOCK = "analytics.flush"
PUBLIC_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


# --- Sites as the collection endpoint sees them (cached in the process) -----------------


@dataclass(frozen=True, slots=True)
class SiteRef:
    id: str
    organization_id: str
    public_id: str
    domains: tuple[str, ...]

    def allows(self, host: str, own_hosts: frozenset[str]) -> bool:
        if not host:
            return False
        if host in own_hosts:
            return True
        return any(host == domain or host.endswith(f".{domain}") for domain in self.domains)


_sites_lock = threading.Lock()
_sites: dict[str, tuple[float, SiteRef | None]] = {}


def site_ref(public_id: str) -> SiteRef | None:
    """The active site ``public_id`` (kept for a minute in this process), or None."""
    now = time.monotonic()
    cached = _sites.get(public_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    site = (
        Site.objects.filter(public_id=public_id, is_active=True)
        .only("id", "organization_id", "public_id", "domains")
        .first()
    )
    ref = (
        SiteRef(str(site.pk), str(site.organization_id), site.public_id, tuple(site.domains))
        if site
        else None
    )
    with _sites_lock:
        if len(_sites) > 10_000:
            _sites.clear()
        _sites[public_id] = (now + SITE_CACHE_SECONDS, ref)
    return ref


def _forget_site(public_id: str) -> None:
    with _sites_lock:
        _sites.pop(public_id, None)


# --- The daily salt ------------------------------------------------------------------------

_salts: dict[date, bytes] = {}


def salt_for(day: date) -> bytes:
    """The salt of the UTC ``day`` (created by whoever needs it first)."""
    found = _salts.get(day)
    if found is not None:
        return found
    salt = Salt.objects.filter(day=day).first()
    if salt is None:
        try:
            with transaction.atomic():
                salt = Salt.objects.create(day=day, value=secrets.token_hex(32))
        except IntegrityError:
            salt = Salt.objects.get(day=day)
    value = salt.value.encode()
    if len(_salts) > 4:
        _salts.clear()
    _salts[day] = value
    return value


def salts_rotate(*, now: datetime | None = None) -> int:
    """Create today's salt and delete every older one (no hash of a past day can be
    made again). Returns how many were deleted. The periodic job ``analytics.salts_rotate``."""
    today = (now or timezone.now()).astimezone(UTC).date()
    salt_for(today)
    deleted, _detail = Salt.objects.filter(day__lt=today).delete()
    for day in [day for day in _salts if day < today]:
        _salts.pop(day, None)
    return deleted


def visitor_hash(*, day: date, user_agent: str, address: str, site_public_id: str) -> int:
    """A signed 64-bit hash of the day's salt, the user agent, the address and the site."""
    digest = hashlib.blake2b(
        "\x00".join((user_agent, address, site_public_id)).encode(),
        key=salt_for(day)[:64],
        digest_size=8,
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


# --- Collecting ---------------------------------------------------------------------------


def event_record(
    *,
    site_public_id: str,
    name: str,
    url: str,
    referrer: str,
    user_agent: str,
    address: str | None,
    own_hosts: frozenset[str],
    gender: str = "",
    age_range: str = "",
    now: datetime | None = None,
) -> str:
    """The buffer's record of one page view or event (JSON text). 404 ``site_not_found``
    for an unknown or inactive site; 400 ``domain_not_allowed`` for a page outside the
    site's domains. The address is used for the hash and the place, and kept nowhere."""
    site = site_ref(site_public_id)
    if site is None:
        raise NotFound(_("Unknown analytics site."), code=AnalyticsError.SITE_NOT_FOUND)
    host, path, tags = split_url(url)
    if not site.allows(host, own_hosts):
        raise ValidationFailed(
            _("This page is not on the site's domains."),
            code=AnalyticsError.DOMAIN_NOT_ALLOWED,
            fields={"url": [_("This page is not on the site's domains.")]},
        )
    now = now or timezone.now()
    user_agent = user_agent[:USER_AGENT_MAX_LENGTH]
    visitor = visitor_hash(
        day=now.astimezone(UTC).date(),
        user_agent=user_agent,
        address=address or "",
        site_public_id=site.public_id,
    )
    place: Place = locate(address)
    record = {
        "s": site.id,
        "o": site.organization_id,
        "v": visitor,
        "t": now.timestamp(),
        "n": name,
        "h": host,
        "p": path,
        "r": referrer[:REFERRER_MAX_LENGTH],
        "src": source_of(referrer, page_host=host, utm_source=tags.get("utm_source", "")),
        "u": tags,
        "a": user_agent,
        "g": [place.country, place.region, place.city],
        "d": [gender, age_range],
    }
    return json.dumps(record, separators=(",", ":"))


def event_collect(**arguments) -> None:
    """Append one page view or event (:func:`event_record`'s arguments) to the buffer,
    and wake the flusher once the buffer holds a batch. Nothing is written here."""
    store = buffer.current()
    size = store.append(event_record(**arguments))
    buffer.flusher.ensure_started(events_flush)
    if size >= buffer.batch_size():
        buffer.flusher.wake()


def event_write_now(**arguments) -> int:
    """What collecting would cost without the buffer: the record written at once, in its
    own transaction (the naive baseline of ``benchmarks.analytics_collect``; never used
    by the endpoint)."""
    return _write(_records([event_record(**arguments)]))


# --- Flushing -----------------------------------------------------------------------------


def _records(raw: list[str]) -> list[dict]:
    records = []
    for item in raw:
        try:
            record = json.loads(item)
        except ValueError:
            continue
        if parse_agent(record.get("a", "")).is_bot:
            continue
        records.append(record)
    records.sort(key=lambda record: record["t"])
    return records


def _write(records: list[dict]) -> int:
    """One batch: the open visits in one query, then bulk writes."""
    if not records:
        return 0
    timeout = timedelta(minutes=VISIT_TIMEOUT_MINUTES)
    first = datetime.fromtimestamp(records[0]["t"], tz=UTC)
    site_ids = {record["s"] for record in records}
    # Sites deleted since their records were buffered: their records go.
    live_sites = set(map(str, Site.objects.filter(pk__in=site_ids).values_list("pk", flat=True)))
    records = [record for record in records if record["s"] in live_sites]
    if not records:
        return 0
    open_visits: dict[tuple[str, int], Visit] = {}
    for visit in Visit.objects.filter(
        site_id__in=live_sites,
        visitor_id__in={record["v"] for record in records},
        last_seen_at__gte=first - timeout,
    ).order_by("last_seen_at"):
        open_visits[(str(visit.site_id), visit.visitor_id)] = visit
    existing = {visit.pk for visit in open_visits.values()}
    created: dict = {}
    changed: dict = {}
    events = []
    for record in records:
        at = datetime.fromtimestamp(record["t"], tz=UTC)
        key = (record["s"], record["v"])
        visit = open_visits.get(key)
        is_pageview = record["n"] == PAGEVIEW
        if visit is None or at - visit.last_seen_at > timeout:
            agent = parse_agent(record.get("a", ""))
            country, region, city = record.get("g") or ("", "", "")
            gender, age_range = record.get("d") or ("", "")
            tags = record.get("u") or {}
            visit = Visit(
                site_id=record["s"],
                organization_id=record["o"],
                visitor_id=record["v"],
                started_at=at,
                last_seen_at=at,
                entry_page=record["p"],
                exit_page=record["p"],
                source=record.get("src", ""),
                referrer=record.get("r", "") if record.get("src") else "",
                device=agent.device,
                browser=agent.browser,
                os=agent.os,
                country=country,
                region=region,
                city=city,
                gender=gender,
                age_range=age_range,
                **{tag: tags.get(tag, "") for tag in Visit.UTM_FIELDS},
            )
            open_visits[key] = visit
            created[visit.pk] = visit
        elif visit.pk in existing:
            changed[visit.pk] = visit
        visit.last_seen_at = max(visit.last_seen_at, at)
        if is_pageview:
            visit.pageviews += 1
            visit.exit_page = record["p"]
        else:
            visit.events += 1
        events.append(
            Event(
                site_id=record["s"],
                organization_id=record["o"],
                visit_id=visit.pk,
                visitor_id=record["v"],
                occurred_at=at,
                name=record["n"],
                hostname=record["h"],
                pathname=record["p"],
            )
        )
    with transaction.atomic():
        Visit.objects.bulk_create(created.values(), batch_size=1000)
        if changed:
            Visit.objects.bulk_update(
                changed.values(),
                ["last_seen_at", "pageviews", "events", "exit_page", "updated_at"],
                batch_size=1000,
            )
        Event.objects.bulk_create(events, batch_size=1000)
    return len(events)


def events_flush(*, limit: int | None = None) -> int:
    """Write what the buffer holds, in batches of ``ANALYTICS_FLUSH_EVENTS`` records;
    one flush at a time across processes. Returns the events written. Called by the
    flusher thread, the periodic job ``analytics.events_flush`` and the tests."""
    store = buffer.current()
    written = 0
    with exclusive(FLUSH_LOCK, wait=30.0) as held:
        if not held:
            return 0
        while limit is None or written < limit:
            raw = store.take(buffer.batch_size())
            if not raw:
                break
            written += _write(_records(raw))
    return written


# --- Sites, goals and funnels (admins) ------------------------------------------------------


def _clean_domains(domains: list[str]) -> list[str]:
    cleaned = []
    for domain in domains:
        value = domain.strip().lower().removeprefix("www.").rstrip(".")
        if value and value not in cleaned:
            cleaned.append(value)
    return cleaned


def site_create(*, organization, name: str, domains: list[str]) -> Site:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Site.objects.create(
                    organization=organization,
                    name=name,
                    domains=_clean_domains(domains),
                    public_id=random_code(length=PUBLIC_ID_LENGTH, alphabet=PUBLIC_ID_ALPHABET),
                )
        except IntegrityError:  # the same public id drawn twice: draw again
            continue
    raise Conflict()


def site_update(*, site: Site, **changes) -> Site:
    if "domains" in changes:
        changes["domains"] = _clean_domains(changes["domains"])
    for field, value in changes.items():
        setattr(site, field, value)
    site.save(update_fields=[*changes, "updated_at"])
    _forget_site(site.public_id)
    return site


def _name_taken() -> Conflict:
    return Conflict(_("This name is already used on this site."), code=AnalyticsError.NAME_TAKEN)


def goal_create(*, site: Site, name: str, kind: str, path: str = "", event_name: str = "") -> Goal:
    if kind == GoalKind.PAGEVIEW and not path.startswith("/"):
        raise ValidationFailed(
            _("A page goal needs a path starting with /."),
            code=AnalyticsError.INVALID_GOAL,
            fields={"path": [_("A page goal needs a path starting with /.")]},
        )
    if kind == GoalKind.EVENT and not event_name:
        raise ValidationFailed(
            _("An event goal needs an event name."),
            code=AnalyticsError.INVALID_GOAL,
            fields={"event_name": [_("An event goal needs an event name.")]},
        )
    try:
        with transaction.atomic():
            return Goal.objects.create(
                site=site,
                organization_id=site.organization_id,
                name=name,
                kind=kind,
                path=path if kind == GoalKind.PAGEVIEW else "",
                event_name=event_name if kind == GoalKind.EVENT else "",
            )
    except IntegrityError:
        raise _name_taken() from None


def goal_delete(*, goal: Goal) -> None:
    if FunnelStep.objects.filter(goal=goal).exists():
        raise Conflict(
            _("This goal is a step of a funnel: delete the funnel first."),
            code=AnalyticsError.GOAL_IN_USE,
        )
    goal.delete()


def funnel_create(*, site: Site, name: str, goal_ids: list) -> Funnel:
    goals = {str(goal.pk): goal for goal in Goal.objects.filter(site=site, pk__in=goal_ids)}
    missing = [str(goal_id) for goal_id in goal_ids if str(goal_id) not in goals]
    if missing:
        raise ValidationFailed(
            _("Every step must be a goal of this site."),
            code=AnalyticsError.GOAL_NOT_FOUND,
            fields={"steps": [_("Every step must be a goal of this site.")]},
        )
    try:
        with transaction.atomic():
            funnel = Funnel.objects.create(
                site=site, organization_id=site.organization_id, name=name
            )
            FunnelStep.objects.bulk_create(
                FunnelStep(funnel=funnel, position=n, goal=goals[str(goal_id)])
                for n, goal_id in enumerate(goal_ids, start=1)
            )
    except IntegrityError:
        raise _name_taken() from None
    return funnel


def funnel_delete(*, funnel: Funnel) -> None:
    funnel.delete()


# --- Demographics (each user, about themself) -----------------------------------------------


def demographics_set(*, user, gender: str, age_range: str) -> Demographics:
    found, _created = Demographics.objects.update_or_create(
        user=user, defaults={"gender": gender, "age_range": age_range}
    )
    return found


def demographics_erase(*, user) -> None:
    """The GDPR erasure (``accounts.extensions.user_erasers``): the user's answers go;
    visits keep only the aggregate-only fields they were counted with."""
    Demographics.objects.filter(user=user).delete()


def demographics_export(*, user) -> dict[str, Any]:
    """The GDPR export (``accounts.extensions.user_exporters``): what the user chose to
    tell about themself (empty values when they told nothing). One query."""
    found = (
        Demographics.objects.filter(user=user)
        .values("gender", "age_range", "created_at", "updated_at")
        .first()
    )
    if found is None:
        return {"gender": "", "age_range": "", "created_at": None, "updated_at": None}
    return found


def demographics_of(user) -> tuple[str, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return "", ""
    found = Demographics.objects.filter(user=user).values_list("gender", "age_range").first()
    return found or ("", "")


def records_pending() -> int:
    """How many records wait in the buffer (tests, health)."""
    return buffer.current().size()


def buffer_clear() -> None:
    buffer.current().clear()


__all__ = [
    "SiteRef",
    "buffer_clear",
    "demographics_erase",
    "demographics_export",
    "demographics_of",
    "demographics_set",
    "event_collect",
    "event_record",
    "event_write_now",
    "events_flush",
    "funnel_create",
    "funnel_delete",
    "goal_create",
    "goal_delete",
    "records_pending",
    "salt_for",
    "salts_rotate",
    "site_create",
    "site_update",
    "visitor_hash",
]
