"""Writes of the public booking pages: the page's address and switch, its host names, and
a guest's booking verified by an SMS code.

* The slug: 3 to 60 characters of lower-case letters, digits and single hyphens, not a
  reserved word, unique (409 ``slug_taken``).
* A host: a valid DNS name, either a sub-domain of ``PAGES_BASE_DOMAIN`` (one label
  under it) or a domain of the business's own; never one of the site's own hosts
  (``ALLOWED_HOSTS``), unique across businesses (409 ``host_taken``).
* A guest's code: six digits from a CSPRNG, stored hashed (Django's password hasher),
  valid ``GUEST_CODE_TTL``, ``GUEST_CODE_ATTEMPTS`` wrong tries, used once.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.http.request import validate_host
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.codes import DIGITS, random_code
from teranga.core.errors import Conflict, CoreError, Gone, NotFound, ValidationFailed
from teranga.core.phones import phone_e164
from teranga.platform.notifications.services import sms_send

from ..errors import BookingError
from ..models import PUBLIC_SLUG_MAX, PUBLIC_SLUG_MIN, GuestCheck, PublicPage, PublicPageHost
from ..public_pages import manage_link, page_service
from .reservations import Guest, reservation_create

GUEST_CODE_TTL = timedelta(minutes=10)
GUEST_CODE_ATTEMPTS = 5
GUEST_CODE_LENGTH = 6

#: Words a page may not be called (paths of ours, or misleading names).
RESERVED_SLUGS = frozenset(
    {
        *("admin", "api", "static", "media", "b", "o", "www", "app", "account", "accounts"),
        *("login", "logout", "signup", "pay", "health", "metrics", "manage", "book", "verify"),
        *("teranga", "support", "help", "about", "contact", "settings", "null", "none"),
    }
)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _invalid(field: str, message: str, code) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def public_slug_clean(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not PUBLIC_SLUG_MIN <= len(slug) <= PUBLIC_SLUG_MAX:
        raise _invalid(
            "slug",
            _("The address takes %(min)d to %(max)d characters.")
            % {"min": PUBLIC_SLUG_MIN, "max": PUBLIC_SLUG_MAX},
            BookingError.INVALID_SLUG,
        )
    if not _SLUG.match(slug):
        raise _invalid(
            "slug",
            _("Use lower-case letters, digits and single hyphens only."),
            BookingError.INVALID_SLUG,
        )
    if slug in RESERVED_SLUGS:
        raise _invalid("slug", _("This address is reserved."), BookingError.INVALID_SLUG)
    return slug


def public_host_clean(host: str) -> str:
    host = (host or "").strip().lower().rstrip(".")
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise _invalid("host", _("Enter a valid host name."), BookingError.INVALID_HOST)
    if labels[-1].isdigit() or validate_host(host, list(settings.ALLOWED_HOSTS)):
        raise _invalid("host", _("This host name cannot be used."), BookingError.INVALID_HOST)
    base = getattr(settings, "PAGES_BASE_DOMAIN", "")
    if base and (
        host == base or (host.endswith("." + base) and host.count(".") != base.count(".") + 1)
    ):
        raise _invalid(
            "host",
            _("Use one name directly under %(domain)s.") % {"domain": base},
            BookingError.INVALID_HOST,
        )
    return host


@transaction.atomic
def public_page_update(
    *, organization, slug: str | None = None, is_enabled: bool | None = None
) -> PublicPage:
    """Create or change the organisation's page (its slug defaults to the
    organisation's own when free)."""
    page = PublicPage.objects.select_for_update().filter(organization=organization).first()
    if slug is not None:
        slug = public_slug_clean(slug)
    if page is None:
        page = PublicPage(organization=organization, slug=slug or "")
        if not page.slug:
            page.slug = public_slug_clean(organization.slug[:PUBLIC_SLUG_MAX].strip("-"))
    elif slug is not None:
        page.slug = slug
    if is_enabled is not None:
        page.is_enabled = is_enabled
    if PublicPage.objects.filter(slug=page.slug).exclude(pk=page.pk).exists():
        raise Conflict(_("This address is taken."), code=BookingError.SLUG_TAKEN) from None
    page.save()
    return page


@transaction.atomic
def public_page_host_add(*, page: PublicPage, host: str) -> PublicPageHost:
    host = public_host_clean(host)
    if PublicPageHost.objects.filter(host=host).exists():
        raise Conflict(_("This host name is already registered."), code=BookingError.HOST_TAKEN)
    return PublicPageHost.objects.create(page=page, host=host)


@transaction.atomic
def public_page_host_remove(*, page: PublicPage, host_id) -> None:
    deleted, _rows = PublicPageHost.objects.filter(page=page, pk=host_id).delete()
    if not deleted:
        raise NotFound(code=BookingError.HOST_NOT_FOUND)


# --- A guest's booking ----------------------------------------------------------------------


@transaction.atomic
def guest_check_start(
    *,
    page: PublicPage,
    service_id,
    starts_at: datetime,
    name: str,
    phone: str,
    client_note: str = "",
    language: str | None = None,
) -> GuestCheck:
    """A guest asks to book: their phone gets a six-digit code by SMS (sandbox outbox by
    default). Nothing is booked yet; the slot is checked again when the code is given."""
    service = page_service(page, service_id)
    if service.amount_due_online > 0:
        raise Conflict(
            _("This service is paid online: sign in to book it."),
            code=BookingError.ONLINE_PAYMENT_IN_APP,
        )
    name = " ".join((name or "").split())
    if not 2 <= len(name) <= 120:
        raise _invalid("name", _("Give your name (2 to 120 characters)."), CoreError.INVALID)
    number = phone_e164(phone, region=page.organization.country, field="phone")
    code = random_code(length=GUEST_CODE_LENGTH, alphabet=DIGITS)
    check = GuestCheck.objects.create(
        page=page,
        service=service,
        starts_at=starts_at,
        name=name,
        phone=number,
        client_note=(client_note or "")[:1000],
        code_hash=make_password(code),
        expires_at=timezone.now() + GUEST_CODE_TTL,
    )
    sms_send(
        to=number,
        body=_("%(business)s: your booking code is %(code)s (valid %(minutes)d min).")
        % {
            "business": page.organization.name[:40],
            "code": code,
            "minutes": GUEST_CODE_TTL.seconds // 60,
        },
        purpose="booking_guest_code",
    )
    return check


def guest_check_get(*, page: PublicPage, check_id) -> GuestCheck:
    check = GuestCheck.objects.select_related("service").filter(pk=check_id, page=page).first()
    if check is None:
        raise NotFound(code=BookingError.CODE_INVALID)
    return check


def _code_refused(check: GuestCheck, now: datetime) -> None:
    if check.used_at is not None:
        raise Conflict(_("This code has already been used."), code=BookingError.CODE_USED)
    if check.expires_at <= now:
        raise Gone(_("This code has expired: ask for a new one."), code=BookingError.CODE_EXPIRED)
    if check.attempts >= GUEST_CODE_ATTEMPTS:
        raise Gone(
            _("Too many wrong codes: ask for a new one."), code=BookingError.TOO_MANY_ATTEMPTS
        )


def guest_check_confirm(*, page: PublicPage, check_id, code: str, language: str | None = None):
    """The guest gives the code: a right one books the slot (through
    ``reservation_create``, as a guest) and sends the manage link by SMS; a wrong one
    spends an attempt (kept even though the answer is an error)."""
    now = timezone.now()
    with transaction.atomic():
        check = GuestCheck.objects.select_for_update().filter(pk=check_id, page=page).first()
        if check is None:
            raise NotFound(code=BookingError.CODE_INVALID)
        _code_refused(check, now)
        right = check_password((code or "").strip(), check.code_hash)
        if not right:
            check.attempts += 1
            check.save(update_fields=["attempts", "updated_at"])
    if not right:
        message = _("This code is not right.")
        raise ValidationFailed(message, code=BookingError.CODE_INVALID, fields={"code": [message]})
    with transaction.atomic():
        check = GuestCheck.objects.select_for_update().get(pk=check_id)
        _code_refused(check, now)
        reservation = reservation_create(
            client=None,
            service_id=check.service_id,
            starts_at=check.starts_at,
            client_note=check.client_note,
            guest=Guest(name=check.name, phone=check.phone),
        )
        check.used_at = now
        check.save(update_fields=["used_at", "updated_at"])
        link = manage_link(page.slug, reservation.pk, language=language)
        sms_send(
            to=check.phone,
            body=_("%(business)s: booking recorded. See, cancel or move it: %(link)s")
            % {"business": page.organization.name[:40], "link": link},
            purpose="booking_guest_manage_link",
        )
    return reservation


def guest_checks_purge() -> int:
    """Forget guests' checks a day after they expired (the periodic job
    ``booking.guest_checks_purge``): name, phone and code hash are not kept for nothing."""
    deleted, _rows = GuestCheck.objects.filter(
        expires_at__lt=timezone.now() - timedelta(days=1)
    ).delete()
    return deleted
