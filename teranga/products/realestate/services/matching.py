"""Background re-matching and the alerts of saved searches.

A change of a property (created, or its price, status, features or location changed) or
of a request schedules, after commit, one task that re-runs its matching
(``matching_schedule_for_property`` / ``matching_schedule_for_request``). The task scores
the pairs (``selectors.matching``) and records each new match at or above the agency's
``alert_min_score`` as a :class:`MatchHit`, unique per (request, property): a match is
recorded once and sent once (``notified_at``), whatever re-runs.

* **instant** requests: the client is told at once, through the notifications module
  (their linked account, in its language) or else by email (with their consent to
  email), with a link to the property's public page (``teranga.core.links``);
* **daily** and **weekly** requests: one digest of the matches not sent yet, by the
  periodic job ``realestate.matching_digests`` (every hour; a request gets at most one
  digest a day, or a week);
* **none**: recorded, never sent.

Only available properties of the request's agency are matched; a property the client
marked "not suitable" never is.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks import task

from teranga.core.links import object_link
from teranga.core.priorities import NORMAL
from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.services import notification_send

from ..models import Property, PropertyStatus
from ..models_matching import AlertFrequency, ClientRequest, MatchHit

MATCH_FOUND = "realestate.match_found"
MATCH_DIGEST = "realestate.match_digest"
PROPERTY_LINK = "realestate.property"
#: Client notices: every channel but SMS and Telegram.
CLIENT_CHANNELS = ("email", "push", "websocket")
#: At most this many properties are named in a digest.
DIGEST_LINES = 10
DIGEST_PERIODS = {
    AlertFrequency.DAILY: timedelta(days=1),
    AlertFrequency.WEEKLY: timedelta(days=7),
}
#: The fields of a property whose change re-runs its matching.
MATCHING_FIELDS = {
    "price",
    "currency",
    "status",
    "features",
    "latitude",
    "longitude",
    "transaction",
    "property_type",
    "surface",
    "rooms",
    "bedrooms",
}


# --- Notification types ----------------------------------------------------------------------


def _found_title(ctx) -> str:
    return _("A property matches your search: %(title)s") % {"title": ctx.get("title", "")}


def _found_body(ctx) -> str:
    return _("%(organization)s has a new property for you: %(title)s, %(price)s.") % {
        "organization": ctx.get("organization", ""),
        "title": ctx.get("title", ""),
        "price": ctx.get("price", ""),
    }


def _digest_title(ctx) -> str:
    count = int(ctx.get("count") or 0)
    return ngettext(
        "%(count)d new property matches your search",
        "%(count)d new properties match your search",
        count,
    ) % {"count": count}


def _digest_body(ctx) -> str:
    lines = "\n".join(f"- {line}" for line in ctx.get("lines") or [])
    return _("New from %(organization)s:\n%(lines)s") % {
        "organization": ctx.get("organization", ""),
        "lines": lines,
    }


SAMPLE = {
    "property": "00000000-0000-4000-8000-000000000001",
    "title": "Villa à Ngor",
    "price": "150 000 000 F CFA",
    "organization": "DIGIT-HAB",
    "score": 87,
    "count": 2,
    "lines": ["Villa à Ngor — 150 000 000 F CFA", "Appartement à Mermoz — 60 000 000 F CFA"],
}


def notification_types() -> list[NotificationType]:
    channels = tuple(c for c in CLIENT_CHANNELS if c in Channel.values)
    return [
        NotificationType(
            name=MATCH_FOUND,
            channels=channels,
            title=_found_title,
            body=_found_body,
            sample=SAMPLE,
            label=gettext_lazy("Real estate: a property matches my search"),
            send_priority=NORMAL,
        ),
        NotificationType(
            name=MATCH_DIGEST,
            channels=channels,
            title=_digest_title,
            body=_digest_body,
            sample=SAMPLE,
            label=gettext_lazy("Real estate: digest of my saved searches"),
            send_priority=NORMAL,
        ),
    ]


# --- Scheduling ------------------------------------------------------------------------------


@task()
def matching_property_task(*, property_id: str) -> int:
    return matching_run_for_property(property_id=property_id)


@task()
def matching_request_task(*, request_id: str) -> int:
    return matching_run_for_request(request_id=request_id)


def matching_schedule_for_property(prop) -> None:
    """Re-run the matching of ``prop`` in the background once the caller commits."""
    property_id = str(prop.pk)
    transaction.on_commit(
        lambda: matching_property_task.enqueue(property_id=property_id), robust=True
    )


def matching_schedule_for_request(req) -> None:
    request_id = str(req.pk)
    transaction.on_commit(lambda: matching_request_task.enqueue(request_id=request_id), robust=True)


# --- Runs ------------------------------------------------------------------------------------


def _alertable(req: ClientRequest) -> bool:
    return req.active


def matching_run_for_property(*, property_id) -> int:
    """Record the new matches of a property; send the instant ones. The number of new
    matches."""
    from ..selectors.matching import property_matches, weights_of, weights_row

    prop = Property.objects.select_related("organization").filter(pk=property_id).first()
    if prop is None or prop.status != PropertyStatus.AVAILABLE:
        return 0
    row = weights_row(organization=prop.organization_id)
    matches = property_matches(prop=prop, weights=weights_of(row), limit=None)
    return _record([(m.obj, prop, m.score) for m in matches if m.score >= row.alert_min_score])


def matching_run_for_request(*, request_id) -> int:
    from ..selectors.matching import request_matches, weights_of, weights_row

    req = ClientRequest.objects.select_related("organization").filter(pk=request_id).first()
    if req is None or not req.active:
        return 0
    row = weights_row(organization=req.organization_id)
    matches = request_matches(req=req, weights=weights_of(row), limit=None)
    return _record([(req, m.obj, m.score) for m in matches if m.score >= row.alert_min_score])


def _record(pairs) -> int:
    """Insert the hits not recorded yet (one bulk insert; a pair a concurrent run recorded
    first is skipped by the unique constraint), then tell the instant requests' clients
    of their hits not sent yet: each notification's idempotency key is its hit, so two
    runs never send one twice."""
    if not pairs:
        return 0
    request_ids = {req.pk for req, _p, _s in pairs}
    property_ids = {prop.pk for _r, prop, _s in pairs}
    known = set(
        MatchHit.objects.filter(
            request_id__in=request_ids, property_id__in=property_ids
        ).values_list("request_id", "property_id")
    )
    fresh = [
        MatchHit(organization_id=req.organization_id, request=req, property=prop, score=points)
        for req, prop, points in pairs
        if (req.pk, prop.pk) not in known
    ]
    MatchHit.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
    instant = {
        req.pk: req for req, _p, _s in pairs if req.alert_frequency == AlertFrequency.INSTANT
    }
    if instant:
        props = {prop.pk: prop for _r, prop, _s in pairs}
        pending = MatchHit.objects.filter(
            request_id__in=list(instant),
            property_id__in=list(property_ids),
            notified_at__isnull=True,
        )
        for hit in pending:
            with transaction.atomic():
                _send_instant(hit, instant[hit.request_id], props[hit.property_id])
    return len(fresh)


def _price_text(prop) -> str:
    from teranga.core.money import Money

    return Money(int(prop.price), prop.currency).format()


def _recipient(req: ClientRequest):
    """(user, email) to tell: the client's account, or their address if they consent to
    email; (None, "") when neither."""
    client = req.client
    if client.user_id and client.user.is_active:
        return client.user, ""
    consented = client.consent_email and client.consent_withdrawn_at is None
    if client.email and consented:
        return None, client.email
    return None, ""


def _send_instant(hit: MatchHit, req: ClientRequest, prop) -> None:
    user, email = _recipient(req)
    if user is None and not email:
        return
    notification_send(
        recipient=user,
        email=email,
        kind=MATCH_FOUND,
        context={
            "property": str(prop.pk),
            "title": prop.title,
            "price": _price_text(prop),
            "organization": prop.organization.name,
            "score": hit.score,
        },
        link=object_link(PROPERTY_LINK, prop.pk),
        idempotency_key=f"realestate.match:{hit.pk}",
    )
    MatchHit.objects.filter(pk=hit.pk).update(notified_at=timezone.now())


# --- Digests ---------------------------------------------------------------------------------


def matching_digests_send(*, now=None) -> int:
    """One digest per daily or weekly request that is due and has matches not sent yet
    (still available). Idempotent: the hits are marked sent in the same transaction as
    the notification is recorded. The number of digests."""
    now = now or timezone.now()
    sent = 0
    for frequency, period in DIGEST_PERIODS.items():
        due = (
            ClientRequest.objects.filter(
                active=True, alert_frequency=frequency, hits__notified_at__isnull=True
            )
            .exclude(last_digest_at__gt=now - period)
            .distinct()
            .values_list("pk", flat=True)
        )
        for request_id in list(due):
            sent += _digest_one(request_id, now, period)
    return sent


@transaction.atomic
def _digest_one(request_id, now, period) -> int:
    req = (
        ClientRequest.objects.select_for_update(of=("self",))
        .select_related("organization", "client", "client__user")
        .filter(pk=request_id)
        .first()
    )
    if req is None or (req.last_digest_at and req.last_digest_at > now - period):
        return 0
    hits = list(
        MatchHit.objects.filter(
            request=req,
            notified_at__isnull=True,
            property__status=PropertyStatus.AVAILABLE,
        )
        .select_related("property")
        .order_by("-score", "created_at")
    )
    MatchHit.objects.filter(request=req, notified_at__isnull=True).update(notified_at=now)
    req.last_digest_at = now
    req.save(update_fields=["last_digest_at", "updated_at"])
    user, email = _recipient(req)
    if not hits or (user is None and not email):
        return 0
    lines = [f"{h.property.title} — {_price_text(h.property)}" for h in hits[:DIGEST_LINES]]
    notification_send(
        recipient=user,
        email=email,
        kind=MATCH_DIGEST,
        context={"count": len(hits), "lines": lines, "organization": req.organization.name},
        link=object_link(PROPERTY_LINK, hits[0].property_id),
        idempotency_key=f"realestate.digest:{req.pk}:{now.isoformat()}",
    )
    return 1


def matching_property_changed(prop, changed: set[str]) -> None:
    """The hook of the property services: re-match when a field that matters changed."""
    if changed & MATCHING_FIELDS:
        matching_schedule_for_property(prop)
