"""Writes of the Booking catalogue: services, their images, and the one resource write the
scheduling engine cannot decide alone (deleting a resource a service still uses).

Availability (rules, overrides) and the other resource writes go straight to
``teranga.platform.scheduling.services``; access is checked before any of these run.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound, ValidationFailed, refuse_unknown_fields
from teranga.core.images import image_upload_clean
from teranga.core.money import Money
from teranga.platform.organizations.models import Organization, OrganizationKind
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.models import Booking, Resource, ResourceKind
from teranga.products.booking.errors import BookingError

from ..models import (
    DURATION_MAX,
    DURATION_MIN,
    DURATION_STEP,
    MAX_IMAGES,
    PRICE_LIMITS,
    PaymentMode,
    Reservation,
    Service,
    ServiceCategory,
    ServiceImage,
    Tag,
)

#: Organisation kinds that may publish Booking services.
SERVICE_ORGANIZATION_KINDS = {OrganizationKind.BUSINESS}
MAX_TAGS = 10

#: What service_create/service_update accept besides the organisation.
SERVICE_FIELDS = {
    "name",
    "description",
    "category",
    "tags",
    "resource",
    "price_amount",
    "payment_mode",
    "deposit_amount",
    "deposit_percent",
    "duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "max_advance_days",
    "capacity",
    "requires_confirmation",
    "cancellation_notice_hours",
    "reschedule_notice_hours",
    "is_active",
}


# --- Checks ---------------------------------------------------------------------------------


def _check_price(amount: int, currency: str) -> None:
    """0 is a free service; otherwise the amount lies within the currency's limits."""
    if amount == 0:
        return
    low, high = PRICE_LIMITS[currency]
    if not low <= amount <= high:
        message = _("The price must be 0 (free) or between %(min)s and %(max)s.") % {
            "min": Money(low, currency).format(),
            "max": Money(high, currency).format(),
        }
        raise ValidationFailed(
            message, code=BookingError.PRICE_OUT_OF_RANGE, fields={"price_amount": [message]}
        )


def _check_duration(minutes: int) -> None:
    if not (DURATION_MIN <= minutes <= DURATION_MAX and minutes % DURATION_STEP == 0):
        message = _(
            "The duration must be between %(min)d and %(max)d minutes, in steps of %(step)d."
        ) % {"min": DURATION_MIN, "max": DURATION_MAX, "step": DURATION_STEP}
        raise ValidationFailed(
            message, code=BookingError.INVALID_DURATION, fields={"duration_minutes": [message]}
        )


DEPOSIT_FIELDS = ("deposit_amount", "deposit_percent")


def _settle_payment(service: Service, given: set[str]) -> None:
    """Settle the payment mode and deposit from what the request ``given`` changed, then
    check them against the price. A free service is paid on site (400
    ``payment_mode_requires_price`` when asked otherwise); leaving the deposit mode drops
    the deposit; a deposit given one way replaces the other (amount or percentage)."""
    if service.price_amount == 0:
        if "payment_mode" in given and service.payment_mode != PaymentMode.ON_SITE:
            message = _("A free service is paid on site: set a price first.")
            raise ValidationFailed(
                message,
                code=BookingError.PAYMENT_MODE_REQUIRES_PRICE,
                fields={"payment_mode": [message]},
            )
        service.payment_mode = PaymentMode.ON_SITE
    if service.payment_mode != PaymentMode.DEPOSIT:
        if not any(getattr(service, name) is not None for name in given & set(DEPOSIT_FIELDS)):
            service.deposit_amount = service.deposit_percent = None
    else:
        for name, other in (DEPOSIT_FIELDS, DEPOSIT_FIELDS[::-1]):
            if name in given and getattr(service, name) is not None and other not in given:
                setattr(service, other, None)
    errors = service.payment_errors()
    if errors:
        raise ValidationFailed(
            next(iter(errors.values()))[0], code=BookingError.INVALID_DEPOSIT, fields=errors
        )


def _full_clean(instance, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude or [], validate_unique=False)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields=exc.message_dict)


def _resolve_resource(organization: Organization, resource_id) -> Resource:
    resource = Resource.objects.filter(organization=organization, pk=resource_id).first()
    if resource is None:
        raise ValidationFailed(
            fields={"resource": [_("No such resource in this organisation.")]},
        )
    return resource


def _resolve_tags(names: list[str]) -> list[Tag]:
    """Tags by name, created when new; two names with the same slug are one tag."""
    by_slug: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())[:60]
        slug = slugify(name)[:60]
        if not slug:
            raise ValidationFailed(fields={"tags": [_("A tag needs letters or digits.")]})
        by_slug.setdefault(slug, name)
    if len(by_slug) > MAX_TAGS:
        raise ValidationFailed(
            fields={"tags": [_("At most %(count)d tags.") % {"count": MAX_TAGS}]}
        )
    return [
        Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in by_slug.items()
    ]


def _has_bookings(service: Service) -> bool:
    return (
        Reservation.objects.filter(service=service).exists()
        or Booking.objects.filter(
            resource_id=service.resource_id, offering=service.offering_key
        ).exists()
    )


def _lock_service(organization: Organization, service_id) -> Service:
    service = (
        Service.objects.select_for_update()
        .filter(organization=organization, pk=service_id)
        .select_related("organization")
        .first()
    )
    if service is None:
        raise NotFound(code=BookingError.SERVICE_NOT_FOUND)
    return service


# --- Services -------------------------------------------------------------------------------


@transaction.atomic
def service_create(
    *,
    organization: Organization,
    name: str,
    duration_minutes: int,
    category: ServiceCategory | None = None,
    tags: list[str] | None = None,
    resource=None,
    **fields: Any,
) -> Service:
    """Publish (or prepare) a service of a business. Its price is in the organisation's
    currency. Without ``resource`` (a resource id of the same organisation) a resource of
    kind "service" named after it is created to carry its availability.

    An organisation that is not verified yet may prepare services: they are not public
    and cannot be booked until it is.

    Without ``payment_mode`` a priced service is paid online in full (its reservations
    wait for the payment), a free one on site.
    """
    refuse_unknown_fields(fields, SERVICE_FIELDS)
    if organization.kind not in SERVICE_ORGANIZATION_KINDS:
        raise ValidationFailed(
            _("Only businesses can publish bookable services."),
            code=BookingError.ORGANIZATION_KIND_NOT_SUPPORTED,
            fields={"organization": [_("Only businesses can publish bookable services.")]},
        )
    service = Service(
        organization=organization,
        name=name,
        duration_minutes=duration_minutes,
        category=category,
        currency=organization.currency,
        **fields,
    )
    _check_duration(service.duration_minutes)
    _check_price(service.price_amount, service.currency)
    _settle_payment(service, set(fields))
    _full_clean(service, exclude=["resource"])
    if resource is not None:
        service.resource = _resolve_resource(organization, resource)
    else:
        service.resource = scheduling.resource_create(
            organization=organization, name=name[:200], kind=ResourceKind.SERVICE
        )
    service.save()
    if tags:
        service.tags.set(_resolve_tags(tags))
    return service


@transaction.atomic
def service_update(*, organization: Organization, service_id, **fields: Any) -> Service:
    """Change a service. Its resource can only change while it has never been booked
    (409 ``service_has_reservations``): existing bookings stay on their resource."""
    refuse_unknown_fields(fields, SERVICE_FIELDS)
    service = _lock_service(organization, service_id)
    tags = fields.pop("tags", None)
    if "resource" in fields:
        resource_id = fields.pop("resource")
        if resource_id is None:
            raise ValidationFailed(fields={"resource": [_("A service needs a resource.")]})
        if resource_id != service.resource_id:
            if _has_bookings(service):
                raise Conflict(
                    _("This service has reservations: its resource cannot change."),
                    code=BookingError.SERVICE_HAS_RESERVATIONS,
                )
            service.resource = _resolve_resource(organization, resource_id)
    for name, value in fields.items():
        setattr(service, name, value)
    if "duration_minutes" in fields:
        _check_duration(service.duration_minutes)
    if "price_amount" in fields:
        _check_price(service.price_amount, service.currency)
    _settle_payment(service, set(fields))
    _full_clean(service)
    service.save()
    if tags is not None:
        service.tags.set(_resolve_tags(tags))
    return service


@transaction.atomic
def service_delete(*, organization: Organization, service_id) -> bool:
    """Delete a service that was never booked, else deactivate it (its reservations and
    history stay). Returns True when it was deleted.

    A resource of kind "service" that only this service used, and that was never booked,
    goes with it.
    """
    service = _lock_service(organization, service_id)
    if _has_bookings(service):
        if service.is_active:
            service.is_active = False
            service.save(update_fields=["is_active", "updated_at"])
        return False
    resource = service.resource
    image_names = [name for name in service.images.values_list("image", flat=True) if name]
    service.delete()
    if (
        resource.kind == ResourceKind.SERVICE
        and not Service.objects.filter(resource=resource).exists()
        and not Booking.objects.filter(resource=resource).exists()
    ):
        scheduling.resource_delete(organization=organization, resource_id=resource.pk)
    _delete_files_on_commit(image_names)
    return True


# --- Images ---------------------------------------------------------------------------------


def _delete_files_on_commit(names: list[str]) -> None:
    if not names:
        return
    storage = ServiceImage._meta.get_field("image").storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def service_image_add(*, organization: Organization, service_id, image) -> ServiceImage:
    """Add an image (checked by its content) after the existing ones; at most
    ``MAX_IMAGES`` per service (400 ``too_many_images``)."""
    service = _lock_service(organization, service_id)
    existing = service.images.aggregate(count=Count("pk"), last=Max("position"))
    if existing["count"] >= MAX_IMAGES:
        message = _("A service has at most %(count)d images.") % {"count": MAX_IMAGES}
        raise ValidationFailed(
            message, code=BookingError.TOO_MANY_IMAGES, fields={"image": [message]}
        )
    position = 0 if existing["last"] is None else existing["last"] + 1
    # Never the uploaded bytes: a clean copy (no trailing data, no metadata).
    image = image_upload_clean(
        image, field="image", message=_("Upload a valid image."), code=BookingError.INVALID_IMAGE
    )
    service_image = ServiceImage(service=service, image=image, position=position)
    try:
        service_image.full_clean(exclude=["service"], validate_unique=False)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("Upload a valid image."), code=BookingError.INVALID_IMAGE, fields=exc.message_dict
        )
    service_image.save()
    return service_image


@transaction.atomic
def service_image_delete(*, organization: Organization, service_id, image_id) -> None:
    service = _lock_service(organization, service_id)
    service_image = ServiceImage.objects.filter(service=service, pk=image_id).first()
    if service_image is None:
        raise NotFound(code=BookingError.IMAGE_NOT_FOUND)
    name = service_image.image.name
    service_image.delete()
    _delete_files_on_commit([name] if name else [])


# --- Resources ------------------------------------------------------------------------------


@transaction.atomic
def resource_delete(*, organization: Organization, resource_id) -> None:
    """Delete a resource that no service uses (409 ``resource_in_use``) and that was never
    booked (409 ``resource_has_bookings``, from the engine): deactivate it instead."""
    if Service.objects.filter(organization=organization, resource_id=resource_id).exists():
        raise Conflict(
            _("A service uses this resource: give the service another resource first."),
            code=BookingError.RESOURCE_IN_USE,
        )
    scheduling.resource_delete(organization=organization, resource_id=resource_id)
