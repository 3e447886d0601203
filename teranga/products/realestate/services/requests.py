"""Writes of client requests (saved searches), their "not suitable" properties and the
agency's matching weights. Access is checked by the caller (``selectors.matching``).

A request's zones are validated by the API's serializer (at most ``MAX_ZONES`` circles);
here the union of their bounding boxes is written (``geo.distance.bounding_box``) for the
indexed prefilter of a property's requests. Every change of a request re-runs its
matching in the background after commit (``services.matching``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from teranga.core.errors import CoreError, ValidationFailed
from teranga.platform.geo.distance import bounding_box
from teranga.platform.organizations.models import Organization

from ..errors import RealEstateError
from ..models import Client, Lead, Property, features_mask
from ..models_matching import AlertFrequency, ClientRequest, MatchingWeights, RequestExclusion
from .crm import client_record_for_user
from .matching import matching_schedule_for_request

#: Saved searches one person keeps, over every agency (the agencies' own requests aside).
MAX_SAVED_SEARCHES = 20

REQUEST_FIELDS = {
    "transaction",
    "property_types",
    "budget_min",
    "budget_max",
    "currency",
    "surface_min",
    "surface_max",
    "rooms_min",
    "bedrooms_min",
    "zones",
    "required_features",
    "nice_features",
    "active",
    "alert_frequency",
}
WEIGHT_FIELDS = {
    "price",
    "surface",
    "rooms",
    "distance",
    "features",
    "price_tolerance_percent",
    "alert_min_score",
}


def _refused(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def zones_box_apply(req: ClientRequest) -> None:
    """The union of the zones' bounding boxes (longitudes unbounded: the whole range)."""
    if not req.zones:
        req.zone_lat_min = req.zone_lat_max = req.zone_lng_min = req.zone_lng_max = None
        return
    boxes = [bounding_box(z["lat"], z["lng"], z["radius_km"]) for z in req.zones]
    req.zone_lat_min = min(box[0] for box in boxes)
    req.zone_lat_max = max(box[1] for box in boxes)
    req.zone_lng_min = min(-180.0 if box[2] is None else box[2] for box in boxes)
    req.zone_lng_max = max(180.0 if box[3] is None else box[3] for box in boxes)


def _apply(req: ClientRequest, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name not in REQUEST_FIELDS:
            continue
        if name in {"required_features", "nice_features"}:
            value = features_mask(value or [])
        elif name in {"property_types", "zones"}:
            value = list(value or [])
        setattr(req, name, value)
    zones_box_apply(req)
    if (
        req.budget_min is not None
        and req.budget_max is not None
        and req.budget_min > req.budget_max
    ):
        raise _refused(
            "budget_max", _("The maximum budget is below the minimum."), CoreError.INVALID
        )
    if (
        req.surface_min is not None
        and req.surface_max is not None
        and req.surface_min > req.surface_max
    ):
        raise _refused(
            "surface_max", _("The maximum surface is below the minimum."), CoreError.INVALID
        )


def _client_of(organization: Organization, client_id) -> Client:
    client = Client.objects.filter(organization=organization, pk=client_id).first()
    if client is None:
        raise _refused(
            "client", _("Choose a client of this agency."), RealEstateError.CLIENT_NOT_FOUND
        )
    return client


def _lead_of(organization: Organization, lead_id, client: Client) -> Lead | None:
    if lead_id is None:
        return None
    lead = Lead.objects.filter(organization=organization, pk=lead_id, client=client).first()
    if lead is None:
        raise _refused("lead", _("Choose a lead of this client."), RealEstateError.LEAD_NOT_FOUND)
    return lead


@transaction.atomic
def request_create(
    *, organization: Organization, actor, client_id, lead_id=None, **fields: Any
) -> ClientRequest:
    client = _client_of(organization, client_id)
    req = ClientRequest(
        organization=organization,
        client=client,
        lead=_lead_of(organization, lead_id, client),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _apply(req, fields)
    req.save()
    matching_schedule_for_request(req)
    return req


@transaction.atomic
def request_update(*, req: ClientRequest, lead_id=Ellipsis, **fields: Any) -> ClientRequest:
    locked = ClientRequest.objects.select_for_update().get(pk=req.pk)
    if lead_id is not Ellipsis:
        locked.lead = _lead_of(locked.organization, lead_id, locked.client)
    _apply(locked, fields)
    locked.save()
    matching_schedule_for_request(locked)
    return locked


@transaction.atomic
def request_delete(*, req: ClientRequest) -> None:
    req.delete()


# --- A client's own saved searches ---------------------------------------------------------


@transaction.atomic
def saved_search_create(*, user, organization: Organization, **fields: Any) -> ClientRequest:
    """A saved search of ``user`` (signed in) with an agency whose listings they may see
    (``selectors.matching.saved_search_agency``): a request of the agency's CRM record of
    them (made when missing, linked to their account, as a reservation does), so the
    agency's matching and alerts serve it; alerts go to their account. At most
    ``MAX_SAVED_SEARCHES`` per person (400 ``too_many_saved_searches``)."""
    client = client_record_for_user(organization=organization, user=user)
    # The person's records locked in a fixed order: two concurrent creations cannot both
    # pass the last slot.
    list(
        Client.objects.select_for_update()
        .filter(user=user)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if ClientRequest.objects.filter(client__user=user).count() >= MAX_SAVED_SEARCHES:
        message = _("You have %(count)d saved searches: delete one to add another.") % {
            "count": MAX_SAVED_SEARCHES
        }
        raise ValidationFailed(message, code=RealEstateError.TOO_MANY_SAVED_SEARCHES)
    fields.setdefault("alert_frequency", AlertFrequency.DAILY)
    req = ClientRequest(organization=organization, client=client, created_by=user)
    _apply(req, fields)
    req.save()
    matching_schedule_for_request(req)
    return req


@transaction.atomic
def exclusion_add(*, req: ClientRequest, property_id) -> RequestExclusion:
    """Mark a property of the agency "not suitable" for ``req`` (idempotent)."""
    prop = Property.objects.filter(organization_id=req.organization_id, pk=property_id).first()
    if prop is None:
        raise _refused(
            "property",
            _("Choose a property of this agency."),
            RealEstateError.PROPERTY_NOT_FOUND,
        )
    row, _created = RequestExclusion.objects.get_or_create(
        request=req, property=prop, defaults={"organization_id": req.organization_id}
    )
    return row


@transaction.atomic
def exclusion_remove(*, req: ClientRequest, property_id) -> bool:
    deleted, _rows = RequestExclusion.objects.filter(request=req, property_id=property_id).delete()
    if deleted:
        matching_schedule_for_request(req)
    return bool(deleted)


@transaction.atomic
def weights_update(*, organization: Organization, **fields: Any) -> MatchingWeights:
    row, _created = MatchingWeights.objects.select_for_update().get_or_create(
        organization=organization
    )
    for name, value in fields.items():
        if name in WEIGHT_FIELDS:
            setattr(row, name, value)
    if not any((row.price, row.surface, row.rooms, row.distance, row.features)):
        raise _refused("price", _("At least one weight must be above zero."), CoreError.INVALID)
    row.save()
    return row
