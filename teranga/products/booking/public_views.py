"""The public booking page of a business (``/b/<slug>/``, or a host name it registered):
plain server-rendered HTML forms that work without JavaScript, in fr/en/wo.

* ``/b/<slug>/``: services with prices, free slots of the next days, hours, address and
  map link, the cancellation policy;
* ``book/?service=…&start=…``: the chosen slot; book signed in (email and password, or
  the session already open) or as a guest (name and phone, verified by an SMS code);
* ``verify/<check>/``: the guest types the code; the slot is booked;
* ``confirmed/<token>/``: the booking and its manage link;
* ``manage/<token>/`` (+ ``cancel/``, ``reschedule/``): cancel or move it within the
  service's policy.

Errors of the services (``ApplicationError``) are shown on the page with their HTTP
status and nothing changes; a page of an organisation that is not verified, or a page
turned off, is 404. Guest codes are rate limited per phone (tight) and per address
(wide: a carrier NAT puts many clients behind one address).
"""

from __future__ import annotations

from datetime import UTC, datetime

from allauth.account.adapter import get_adapter
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from teranga.core.errors import ApplicationError, NotFound
from teranga.core.i18n import SUPPORTED_LANGUAGES
from teranga.core.limits import NOTE_MAX_LENGTH, PASSWORD_MAX_LENGTH
from teranga.core.links import public_link
from teranga.core.pages import LANGUAGE_NAMES, in_page_language
from teranga.core.phones import phone_parse
from teranga.core.throttling import budget_spend, client_address
from teranga.platform.payments.models import PaymentMethod
from teranga.platform.payments.services.payments import payment_initiate
from teranga.platform.payments.services.providers import payment_options
from teranga.platform.scheduling.availability import zone
from teranga.platform.scheduling.models import BookingStatus

from . import public_pages as pages
from .services import public_page as services
from .services.reservations import (
    PAYABLE,
    reservation_cancel,
    reservation_create,
    reservation_reschedule,
)

GUEST_PHONE_SCOPE = "booking_guest_phone"
GUEST_ADDRESS_SCOPE = "booking_guest_address"


# --- Rate limits (DRF's throttles, with scopes declared in product.py) -----------------------


def _throttled(request, *budgets: tuple[str, str]) -> bool:
    """Spend one unit of each (scope, key) budget; True when one is exhausted."""
    return any(budget_spend(request, scope, key) is not None for scope, key in budgets)


# --- Language --------------------------------------------------------------------------------


def _render(request, template: str, context: dict, status: int = 200):
    query = request.GET.copy()
    query.pop("lang", None)
    rest = query.urlencode()
    switch = [
        (code, LANGUAGE_NAMES[code], f"?{rest + '&' if rest else ''}lang={code}")
        for code in SUPPORTED_LANGUAGES
    ]
    return render(request, template, {"languages": switch, **context}, status=status)


def _page(slug: str):
    try:
        return pages.public_page_get(slug=slug)
    except NotFound:
        raise Http404 from None


def _error_page(request, page, error: ApplicationError, back: str | None = None):
    return _render(
        request,
        "booking/public/error.html",
        {"page": page, "error": error, "back": back or pages.page_path(page.slug)},
        status=error.status_code,
    )


def _local(moment: datetime, page) -> datetime:
    return moment.astimezone(zone(page.organization.time_zone))


# --- The page --------------------------------------------------------------------------------


WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]


@require_safe
@in_page_language(remember=True)
def page_view(request, slug: str):
    page = _page(slug)
    offers = pages.page_offers(page)
    places = [
        (place, [(WEEKDAYS[day], periods) for day, periods in place.hours])
        for place in pages.page_places(page)
    ]
    return _render(
        request,
        "booking/public/page.html",
        {
            "page": page,
            "organization": page.organization,
            "offers": offers,
            "places": places,
            "slots_per_day": pages.SLOTS_PER_DAY,
        },
    )


# --- Booking ---------------------------------------------------------------------------------


class SlotForm(forms.Form):
    service = forms.UUIDField()
    start = forms.IntegerField(min_value=0, max_value=2**40)

    def starts_at(self) -> datetime:
        return datetime.fromtimestamp(self.cleaned_data["start"], tz=UTC)


class GuestForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), min_length=2, max_length=120)
    phone = forms.CharField(label=gettext_lazy("Your phone number"), max_length=32)
    note = forms.CharField(
        label=gettext_lazy("A note for the business (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH // 2,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignInForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    password = forms.CharField(
        label=gettext_lazy("Password"), max_length=PASSWORD_MAX_LENGTH, widget=forms.PasswordInput
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("The code we sent by SMS"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


def _slot(request, page, data):
    """(service, starts_at) of the slot the form names; 404 for another business's."""
    form = SlotForm(data)
    if not form.is_valid():
        raise Http404
    try:
        service = pages.page_service(page, form.cleaned_data["service"])
    except NotFound:
        raise Http404 from None
    return service, form.starts_at(), form.cleaned_data["start"]


def _confirmed(page, reservation):
    return redirect(f"{pages.page_path(page.slug)}confirmed/{pages.manage_token(reservation.pk)}/")


@require_http_methods(["GET", "HEAD", "POST"])
@in_page_language(remember=True)
def book_view(request, slug: str):
    page = _page(slug)
    data = request.POST if request.method == "POST" else request.GET
    service, starts_at, start = _slot(request, page, data)
    mode = request.POST.get("mode", "")
    guest_form = GuestForm(request.POST if mode == "guest" else None)
    signin_form = SignInForm(request.POST if mode == "signin" else None)
    status, error = 200, None
    if request.method == "POST":
        try:
            if mode == "guest" and guest_form.is_valid():
                response = _guest_start(request, page, service, starts_at, guest_form)
                if response is not None:
                    return response
                status, error = 429, _("Too many codes asked for: wait a little and try again.")
            elif mode == "signin" and signin_form.is_valid():
                user = _sign_in(request, signin_form)
                if user is None:
                    status = 400  # the form says why
                else:
                    return _book_signed_in(request, page, service, starts_at)
            elif mode == "account" and request.user.is_authenticated:
                return _book_signed_in(request, page, service, starts_at)
            elif mode not in ("guest", "signin", "account"):
                raise Http404
            else:
                status = 400
        except ApplicationError as exc:
            form = guest_form if mode == "guest" else None
            if form is None or not exc.fields:
                return _error_page(request, page, exc, back=pages.page_path(page.slug))
            # Bad input of the guest's form (the phone number): shown beside the field.
            for name, messages in exc.fields.items():
                form.add_error(name if name in form.fields else None, messages[0])
            status = exc.status_code
    return _render(
        request,
        "booking/public/book.html",
        {
            "page": page,
            "organization": page.organization,
            "service": service,
            "starts_at": _local(starts_at, page),
            "start": start,
            "guest_form": guest_form,
            "signin_form": signin_form,
            "guest_allowed": service.amount_due_online == 0,
            "error": error,
        },
        status=status,
    )


def _guest_start(request, page, service, starts_at, form):
    phone = phone_parse(form.cleaned_data["phone"], region=page.organization.country) or "?"
    if _throttled(
        request,
        (GUEST_PHONE_SCOPE, phone),
        (GUEST_ADDRESS_SCOPE, client_address(request)),
    ):
        return None
    check = services.guest_check_start(
        page=page,
        service_id=service.pk,
        starts_at=starts_at,
        name=form.cleaned_data["name"],
        phone=form.cleaned_data["phone"],
        client_note=form.cleaned_data["note"],
        language=translation.get_language(),
    )
    return redirect(f"{pages.page_path(page.slug)}verify/{check.pk}/")


def _sign_in(request, form):
    """allauth's authentication, with the platform's login budgets (the adapter's
    ``pre_authenticate``): no password is checked here."""
    adapter = get_adapter(request)
    try:
        user = adapter.authenticate(
            request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
        )
    except forms.ValidationError:
        form.add_error(None, _("Too many failed sign-ins: try again later."))
        return None
    if user is None or not user.is_active:
        form.add_error(None, _("This email and password do not match an account."))
        return None
    if is_mfa_enabled(user):
        # This page asks for no second factor: such an account signs in through the app.
        form.add_error(
            None,
            _(
                "Your account uses two-step verification: book in the app, or as a guest "
                "with your phone number."
            ),
        )
        return None
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return user


def _book_signed_in(request, page, service, starts_at):
    """Book as the signed-in user. A service paid online is held (the engine's hold)
    and handed over to the payments module: the pay page, then the provider's checkout,
    whose success confirms it (the payable ``booking.reservation``)."""
    reservation = reservation_create(
        client=request.user, service_id=service.pk, starts_at=starts_at
    )
    if reservation.online_amount > 0:
        token = pages.manage_token(reservation.pk)
        return redirect(f"{pages.page_path(page.slug)}pay/{token}/")
    return _confirmed(page, reservation)


def _payer_reservation(request, page, token):
    """The reservation of the token, for its signed-in client only (who pays): 404 for
    anyone else."""
    reservation = _reservation(page, token)
    if not request.user.is_authenticated or reservation.booking.client_id != request.user.pk:
        raise Http404
    return reservation


@require_http_methods(["GET", "HEAD", "POST"])
@in_page_language(remember=True)
def pay_view(request, slug: str, token: str):
    """Hand a held reservation over to the payment flow: pick a provider offered by the
    business, then its checkout (``payment_initiate``); it returns to the confirmation."""
    page = _page(slug)
    reservation = _payer_reservation(request, page, token)
    providers = [
        option
        for option in payment_options(page.organization, reservation.currency)
        if PaymentMethod.ONLINE in option["methods"]
    ]
    if request.method == "POST":
        provider = request.POST.get("provider", "")
        if provider not in {option["name"] for option in providers}:
            raise Http404
        try:
            payment, _created = payment_initiate(
                payer=request.user,
                target_type=PAYABLE,
                target_id=str(reservation.pk),
                provider=provider,
                idempotency_key=f"booking-page-{reservation.pk}-{provider}",
                request_hash=f"booking-page:{reservation.pk}:{provider}",
                return_url=public_link(f"{pages.page_path(page.slug)}confirmed/{token}/"),
            )
        except ApplicationError as exc:
            return _error_page(request, page, exc, back=pages.page_path(page.slug))
        return redirect(payment.checkout_url or f"{pages.page_path(page.slug)}confirmed/{token}/")
    context = _reservation_context(page, reservation, token)
    context["providers"] = providers
    return _render(request, "booking/public/pay.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@in_page_language(remember=True)
def verify_view(request, slug: str, check_id):
    page = _page(slug)
    try:
        check = services.guest_check_get(page=page, check_id=check_id)
    except NotFound:
        raise Http404 from None
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reservation = services.guest_check_confirm(
                    page=page,
                    check_id=check.pk,
                    code=form.cleaned_data["code"],
                    language=translation.get_language(),
                )
            except ApplicationError as exc:
                if exc.fields.get("code"):
                    form.add_error("code", exc.message)
                    status = exc.status_code
                else:
                    return _error_page(request, page, exc)
            else:
                return _confirmed(page, reservation)
        else:
            status = 400
    return _render(
        request,
        "booking/public/verify.html",
        {
            "page": page,
            "check": check,
            "starts_at": _local(check.starts_at, page),
            "form": form,
            "phone_hint": check.phone[:-4].replace(check.phone[4:-4], "•" * len(check.phone[4:-4]))
            + check.phone[-4:],
        },
        status=status,
    )


# --- Confirmation and manage pages -------------------------------------------------------------


def _reservation(page, token):
    try:
        return pages.reservation_for_token(page=page, token=token)
    except NotFound:
        raise Http404 from None


def _reservation_context(page, reservation, token):
    booking = reservation.booking
    now = timezone.now()
    service = reservation.service
    open_ = booking.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED)
    return {
        "page": page,
        "organization": page.organization,
        "reservation": reservation,
        "booking": booking,
        "starts_at": _local(booking.starts_at, page),
        "token": token,
        "manage_url": pages.manage_link(page.slug, reservation.pk),
        "manage_path": pages.manage_path(page.slug, token),
        "pay_path": f"{pages.page_path(page.slug)}pay/{token}/",
        "can_cancel": open_ and booking.starts_at - now >= service.cancellation_notice,
        "can_reschedule": open_ and booking.starts_at - now >= service.reschedule_notice,
        "is_open": open_,
    }


@require_safe
@in_page_language(remember=True)
def confirmed_view(request, slug: str, token: str):
    page = _page(slug)
    reservation = _reservation(page, token)
    return _render(
        request,
        "booking/public/confirmed.html",
        _reservation_context(page, reservation, token),
    )


@require_safe
@in_page_language(remember=True)
def manage_view(request, slug: str, token: str):
    page = _page(slug)
    reservation = _reservation(page, token)
    context = _reservation_context(page, reservation, token)
    if context["can_reschedule"]:
        days = pages.service_days(reservation.service, time_zone=page.organization.time_zone)
        context["days"] = days
    return _render(request, "booking/public/manage.html", context)


@require_http_methods(["POST"])
@in_page_language(remember=True)
def cancel_view(request, slug: str, token: str):
    page = _page(slug)
    reservation = _reservation(page, token)
    try:
        reservation_cancel(
            actor=request.user,
            reservation_id=reservation.pk,
            reason=(request.POST.get("reason") or "")[:500],
            manage_token=token,
        )
    except ApplicationError as exc:
        return _error_page(request, page, exc, back=pages.manage_path(page.slug, token))
    return redirect(pages.manage_path(page.slug, token) + "?done=cancelled")


@require_http_methods(["POST"])
@in_page_language(remember=True)
def reschedule_view(request, slug: str, token: str):
    page = _page(slug)
    reservation = _reservation(page, token)
    form = SlotForm({"service": str(reservation.service_id), "start": request.POST.get("start")})
    if not form.is_valid():
        raise Http404
    try:
        reservation_reschedule(
            actor=request.user,
            reservation_id=reservation.pk,
            starts_at=form.starts_at(),
            manage_token=token,
        )
    except ApplicationError as exc:
        return _error_page(request, page, exc, back=pages.manage_path(page.slug, token))
    return redirect(pages.manage_path(page.slug, token) + "?done=rescheduled")
