"""The property sheet: a printable PDF (WeasyPrint) with the photos, the figures, the
features, the description and the agency's branding (name, logo, contacts), in the
active language. Images are inlined as ``data:`` URLs read from storage: WeasyPrint
fetches nothing from the network or the disk (as Booking's export and Campus's ticket)."""

from __future__ import annotations

import base64

from django.template.loader import render_to_string

from teranga.core.images import CONTENT_TYPES, stored_extension
from teranga.core.money import Money

from .models import Feature, Property, features_list

#: Photos on the sheet: the primary one large, then thumbnails.
SHEET_PHOTOS = 4
#: Largest file inlined (bytes): a bigger one is left out rather than bloating the PDF.
INLINE_MAX_BYTES = 4 * 1024 * 1024


def _data_url(field_file) -> str:
    """The stored file as a ``data:`` URL, or "" when missing, too large or unreadable."""
    if not field_file:
        return ""
    name = field_file.name
    content_type = CONTENT_TYPES.get(stored_extension(name))
    if content_type is None:
        return ""
    try:
        with field_file.storage.open(name, "rb") as handle:
            data = handle.read(INLINE_MAX_BYTES + 1)
    except OSError:
        return ""
    if len(data) > INLINE_MAX_BYTES:
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def property_facts(prop: Property) -> list[tuple]:
    """(label, value) of the figures a property has, in the active language."""
    return [
        (prop._meta.get_field(name).verbose_name, value)
        for name, value in (
            ("surface", prop.surface),
            ("land_surface", prop.land_surface),
            ("rooms", prop.rooms),
            ("bedrooms", prop.bedrooms),
            ("bathrooms", prop.bathrooms),
            ("floor", prop.floor),
            ("year_built", prop.year_built),
            ("energy_rating", prop.energy_rating),
            ("climate_rating", prop.climate_rating),
        )
        if value not in (None, "")
    ]


def sheet_context(prop: Property) -> dict:
    images = list(prop.images.all())
    images.sort(key=lambda image: (not image.is_primary, image.position))
    photos = []
    for index, image in enumerate(images[:SHEET_PHOTOS]):
        url = _data_url(image.image if index == 0 else image.thumbnail or image.image)
        if url:
            photos.append(url)
    labels = dict(Feature.choices)
    organization = prop.organization
    facts = property_facts(prop)
    return {
        "property": prop,
        "organization": organization,
        "logo": _data_url(organization.logo),
        "photos": photos,
        "price": Money(int(prop.price), prop.currency).format(),
        "charges": Money(int(prop.charges), prop.currency).format() if prop.charges else "",
        "deposit": Money(int(prop.deposit), prop.currency).format() if prop.deposit else "",
        "facts": facts,
        "features": [labels[name] for name in features_list(prop.features)],
        "agent": prop.agent.get_full_name() if prop.agent_id else "",
        "phone": str(organization.contact_phone or ""),
    }


def property_sheet_html(prop: Property) -> str:
    return render_to_string("realestate/property_sheet.html", sheet_context(prop))


def property_sheet_pdf(prop: Property) -> bytes:
    from weasyprint import HTML, URLFetcher

    # Only inline ``data:`` URLs: nothing is fetched from the network or the disk.
    return HTML(
        string=property_sheet_html(prop), url_fetcher=URLFetcher(allowed_protocols=["data"])
    ).write_pdf()
