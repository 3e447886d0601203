"""The product's web pages, mounted at ``/realestate/`` (``page_urls`` in ``product.py``):

* ``properties/<id>/``: the public listing page of an available property of a verified
  agency, in the agency's branding (name, logo, contacts, its colours), phone-sized, in
  French, English or Wolof (``?lang=``, else the browser's); a view is counted as on the
  API. It offers the free visit slots of the next days and a form (CSRF-protected) where
  a visitor without an account books one with a name and a phone (``visit/``, rate
  limited per address and per phone), then lands on
* ``visits/<token>/``: the guest's visit through its signed link (also sent by SMS),
  where they cancel it (``cancel/``, POST);
* ``properties/<id>/sheet/``: its printable sheet (PDF);
* ``documents/<token>/``: a private document through the signed link the agency sent
  (``services.media.document_link``): 404 for a link that is not ours, 410 once it
  expired; every opening is audited.

The agency's staff pages (``agencies/<id>/performance/`` and ``…/settings/``) are in
``agency_pages.py``.

Any other property (a draft, another status, an unverified agency) is 404 here, also to
its own agency's staff: the page is what the public sees.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django import forms
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from teranga.core.errors import ApplicationError, Gone, NotFound
from teranga.core.i18n import SUPPORTED_LANGUAGES, normalize_language
from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.links import local_time_text, object_link
from teranga.core.money import Money
from teranga.core.pages import LANGUAGE_NAMES, in_page_language
from teranga.core.phones import phone_parse

from . import sheet
from .guest_throttling import address_budget_spend, phone_budget_spend
from .models import (
    GUEST_EMAIL_MAX_LENGTH,
    GUEST_NAME_MAX_LENGTH,
    Feature,
    VisitStatus,
    features_list,
)
from .selectors import access
from .selectors import visits as visit_selectors
from .selectors.branding import branding_of
from .selectors.properties import property_detail
from .services import media
from .services import visits as visit_services
from .services.properties import property_view_record, viewer_key
from .visit_notices import GUEST_PAGE, guest_token

LINK_KIND = "realestate.property"


def _public_property(property_id):
    try:
        prop, _staff = property_detail(user=None, property_id=property_id)
    except NotFound:
        raise Http404 from None
    if not access.is_public(prop):  # pragma: no cover - property_detail already checks
        raise Http404
    return prop


def _languages(request) -> list[tuple[str, str, str]]:
    query = request.GET.copy()
    query.pop("lang", None)
    rest = query.urlencode()
    return [
        (code, LANGUAGE_NAMES[code], f"?{rest + '&' if rest else ''}lang={code}")
        for code in SUPPORTED_LANGUAGES
    ]


class GuestVisitForm(forms.Form):
    """A guest's visit booking on the property page."""

    start = forms.IntegerField(min_value=0, max_value=2**40, widget=forms.HiddenInput)
    name = forms.CharField(
        label=gettext_lazy("Your name"), min_length=2, max_length=GUEST_NAME_MAX_LENGTH
    )
    phone = forms.CharField(label=gettext_lazy("Your phone number"), max_length=32)
    email = forms.EmailField(
        label=gettext_lazy("Your email (optional)"),
        required=False,
        max_length=GUEST_EMAIL_MAX_LENGTH,
    )
    message = forms.CharField(
        label=gettext_lazy("A message for the agency (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH // 2,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def starts_at(self) -> datetime:
        return datetime.fromtimestamp(self.cleaned_data["start"], tz=UTC)


def _visit_slots(prop) -> list[tuple[int, str]]:
    """(timestamp, local text) of the free visit slots of the next days."""
    if prop.agent_id is not None:
        visit_services.agent_resource_ensure(organization=prop.organization, agent=prop.agent)
    result = visit_selectors.visit_slots(user=None, property_id=prop.pk)
    return [
        (int(slot.starts_at.timestamp()), local_time_text(slot.starts_at, result.time_zone))
        for slot in result.slots
    ]


def _property_page(request, prop, *, form=None, error: str = "", status: int = 200):
    labels = dict(Feature.choices)
    organization = prop.organization
    form = form or GuestVisitForm()
    chosen = form["start"].value() if form.is_bound else None
    return render(
        request,
        "realestate/property_page.html",
        {
            "visit_form": form,
            "visit_slots": _visit_slots(prop),
            "visit_chosen": str(chosen or ""),
            "visit_error": error,
            "property": prop,
            "organization": organization,
            "brand": branding_of(organization=organization),
            "phone": str(organization.contact_phone or ""),
            "agent": prop.agent.get_full_name() if prop.agent_id else "",
            "facts": sheet.property_facts(prop),
            "charges": Money(int(prop.charges), prop.currency).format() if prop.charges else "",
            "deposit": Money(int(prop.deposit), prop.currency).format() if prop.deposit else "",
            "images": list(prop.images.all()),
            "feature_labels": [labels[name] for name in features_list(prop.features)],
            "price": Money(int(prop.price), prop.currency).format(),
            "app_url": object_link(LINK_KIND, prop.pk),
            "languages": _languages(request),
            "map_url": (
                f"https://www.openstreetmap.org/?mlat={prop.latitude}&mlon={prop.longitude}"
                f"#map=17/{prop.latitude}/{prop.longitude}"
                if prop.latitude is not None
                else ""
            ),
        },
        status=status,
    )


@require_safe
@in_page_language(remember=True)
def property_page(request, property_id):
    prop = _public_property(property_id)
    property_view_record(prop=prop, viewer=viewer_key(request))
    return _property_page(request, prop)


def _too_many() -> str:
    return _("Too many visit requests: wait a little and try again.")


@require_POST
@csrf_protect
@in_page_language(remember=True)
def property_visit_book(request, property_id):
    """A guest books the slot they picked: on success, their visit's page."""
    prop = _public_property(property_id)
    form = GuestVisitForm(request.POST)
    if address_budget_spend(request) is not None:
        return _property_page(request, prop, form=form, error=_too_many(), status=429)
    if not form.is_valid():
        return _property_page(request, prop, form=form, status=400)
    phone = phone_parse(form.cleaned_data["phone"], region=prop.organization.country)
    if phone is None:
        form.add_error("phone", _("Enter a valid phone number."))
        return _property_page(request, prop, form=form, status=400)
    if phone_budget_spend(request, phone) is not None:
        return _property_page(request, prop, form=form, error=_too_many(), status=429)
    try:
        visit = visit_services.visit_guest_book(
            prop=prop,
            starts_at=form.starts_at(),
            guest=visit_services.Guest(
                name=form.cleaned_data["name"], phone=phone, email=form.cleaned_data["email"]
            ),
            message=form.cleaned_data["message"],
            language=normalize_language(translation.get_language()),
        )
    except ApplicationError as exc:
        return _property_page(request, prop, form=form, error=exc.message, status=exc.status_code)
    return redirect(GUEST_PAGE.format(token=guest_token(visit.pk)) + "?done=booked")


def _guest_visit(token: str):
    try:
        return visit_selectors.visit_for_guest_token(token)
    except NotFound:
        raise Http404 from None


@require_safe
@in_page_language(remember=True)
def guest_visit_page(request, token: str):
    visit = _guest_visit(token)
    done = request.GET.get("done", "")
    return render(
        request,
        "realestate/guest_visit.html",
        {
            "visit": visit,
            "property": visit.property,
            "organization": visit.organization,
            "when": local_time_text(visit.starts_at, visit.organization.time_zone),
            "can_cancel": visit.status in (VisitStatus.REQUESTED, VisitStatus.CONFIRMED),
            "done": done if done in ("booked", "cancelled") else "",
            "error": "",
            "languages": _languages(request),
        },
    )


@require_http_methods(["POST"])
@csrf_protect
@in_page_language(remember=True)
def guest_visit_cancel(request, token: str):
    visit = _guest_visit(token)
    try:
        visit_services.visit_guest_cancel(
            visit=visit, reason=(request.POST.get("reason") or "")[:NOTE_MAX_LENGTH]
        )
    except ApplicationError as exc:
        return render(
            request,
            "realestate/guest_visit.html",
            {
                "visit": visit,
                "property": visit.property,
                "organization": visit.organization,
                "when": local_time_text(visit.starts_at, visit.organization.time_zone),
                "can_cancel": False,
                "done": "",
                "error": exc.message,
                "languages": _languages(request),
            },
            status=exc.status_code,
        )
    return redirect(GUEST_PAGE.format(token=token) + "?done=cancelled")


@require_safe
@in_page_language
def property_sheet_page(request, property_id):
    prop = _public_property(property_id)
    response = HttpResponse(sheet.property_sheet_pdf(prop), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="property-{prop.pk.hex[:8]}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def document_page(request, token: str):
    try:
        document = media.document_open(token=token[:2000])
    except NotFound:
        raise Http404 from None
    except Gone as error:
        return HttpResponse(error.message, status=410, content_type="text/plain; charset=utf-8")
    try:
        handle = document.file.open("rb")
    except OSError:
        raise Http404 from None
    extension = document.file.name.rsplit(".", 1)[-1].lower()
    filename = f"{_('document')}-{document.pk.hex[:8]}.{extension}"
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("properties/<uuid:property_id>/", property_page, name="realestate-property-page"),
    path(
        "properties/<uuid:property_id>/sheet/",
        property_sheet_page,
        name="realestate-property-sheet-page",
    ),
    path(
        "properties/<uuid:property_id>/visit/",
        property_visit_book,
        name="realestate-property-visit-book",
    ),
    path("visits/<str:token>/", guest_visit_page, name="realestate-guest-visit-page"),
    path("visits/<str:token>/cancel/", guest_visit_cancel, name="realestate-guest-visit-cancel"),
    path("documents/<str:token>/", document_page, name="realestate-document-page"),
]

# --- agency pages section ---
from .agency_pages import urlpatterns as agency_urlpatterns  # noqa: E402

urlpatterns += agency_urlpatterns
