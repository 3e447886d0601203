"""The product's web pages, mounted at ``/realestate/`` (``page_urls`` in ``product.py``):

* ``properties/<id>/``: the public listing page of an available property of a verified
  agency, in the agency's branding (name, logo, contacts), phone-sized, in French,
  English or Wolof (``?lang=``, else the browser's); a view is counted as on the API;
* ``properties/<id>/sheet/``: its printable sheet (PDF);
* ``documents/<token>/``: a private document through the signed link the agency sent
  (``services.media.document_link``): 404 for a link that is not ours, 410 once it
  expired; every opening is audited.

Any other property (a draft, another status, an unverified agency) is 404 here, also to
its own agency's staff: the page is what the public sees.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from teranga.core.errors import Gone, NotFound
from teranga.core.i18n import SUPPORTED_LANGUAGES
from teranga.core.links import object_link
from teranga.core.money import Money
from teranga.core.pages import LANGUAGE_NAMES, in_page_language

from . import sheet
from .models import Feature, features_list
from .selectors import access
from .selectors.properties import property_detail
from .services import media
from .services.properties import property_view_record, viewer_key

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


@require_safe
@in_page_language(remember=True)
def property_page(request, property_id):
    prop = _public_property(property_id)
    property_view_record(prop=prop, viewer=viewer_key(request))
    labels = dict(Feature.choices)
    organization = prop.organization
    return render(
        request,
        "realestate/property_page.html",
        {
            "property": prop,
            "organization": organization,
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
    )


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
    path("documents/<str:token>/", document_page, name="realestate-document-page"),
]
