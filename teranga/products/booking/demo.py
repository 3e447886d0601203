"""Demo data of the Booking product: Salon Ndèye (Thiès) publishes three services, one for
each payment mode (braids with a 30 % deposit online, a men's cut paid at the salon, a
workshop paid online in full), with weekly availability inside its opening hours, and
its public booking page at ``/b/salon-ndeye/`` (enabled).
client1 has an upcoming men's cut (confirmed at once: paid on site) and braids whose
deposit was paid with the sandbox provider.
Idempotent: a second run finds everything and creates nothing."""

from __future__ import annotations

from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from teranga.platform.organizations.models import Membership, Organization, Role
from teranga.platform.payments.services.sandbox import sandbox_pay
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.availability import free_slots
from teranga.platform.scheduling.models import AvailabilityRule, Booking, Resource, ResourceKind

from .models import PaymentMode, PublicPage, Service, ServiceCategory
from .payables import TARGET_TYPE as PAYABLE
from .services.catalog import service_create
from .services.public_page import public_page_update
from .services.reservations import reservation_create

SALON_SLUG = "salon-ndeye"
#: (name, category slug, price in F CFA, minutes, capacity, description, payment terms)
SERVICES = (
    (
        "Tresses",
        "beaute-coiffure",
        15000,
        120,
        1,
        "Tresses classiques ou vanilles. Acompte de 30 % en ligne, le reste au salon.",
        {"payment_mode": PaymentMode.DEPOSIT, "deposit_percent": 30},
    ),
    (
        "Coupe homme",
        "beaute-coiffure",
        3000,
        30,
        1,
        "Coupe et finitions à la tondeuse. Réglée au salon.",
        {"payment_mode": PaymentMode.ON_SITE},
    ),
    (
        "Atelier soins du visage",
        "bien-etre",
        8000,
        60,
        4,
        "Atelier en petit groupe, payé en ligne à la réservation.",
        {"payment_mode": PaymentMode.ONLINE_FULL},
    ),
)


def load(*, password: str) -> list[tuple[str, str, str]]:
    salon = Organization.objects.filter(slug=SALON_SLUG).first()
    if salon is None:
        return []
    branch = salon.branches.order_by("name").first()
    stylist = (
        Membership.objects.filter(organization=salon, role=Role.AGENT)
        .select_related("user")
        .order_by("user__email")
        .first()
    )
    resource, created = Resource.objects.get_or_create(
        organization=salon,
        name="Ndèye (coiffeuse)",
        defaults={
            "kind": ResourceKind.STAFF,
            "branch": branch,
            "user": stylist.user if stylist else None,
        },
    )
    if not AvailabilityRule.objects.filter(resource=resource).exists():
        # Inside the branch's opening hours (Mon–Fri 8–17 with a 13–14 break, Sat 9–13).
        scheduling.rules_create(
            organization=salon,
            resource_id=resource.pk,
            rules=[
                *(
                    {
                        "weekday": day,
                        "starts_at": time(9),
                        "ends_at": time(17),
                        "break_start": time(13),
                        "break_end": time(14),
                    }
                    for day in range(5)
                ),
                {"weekday": 5, "starts_at": time(9), "ends_at": time(13)},
            ],
        )
    if not PublicPage.objects.filter(organization=salon).exists():
        # Its public booking page: /b/salon-ndeye/.
        public_page_update(organization=salon, slug=SALON_SLUG, is_enabled=True)
    for name, category, price, minutes, capacity, description, payment in SERVICES:
        if Service.objects.filter(organization=salon, name=name).exists():
            continue
        service_create(
            organization=salon,
            name=name,
            description=description,
            duration_minutes=minutes,
            category=ServiceCategory.objects.filter(slug=category).first(),
            price_amount=price,
            capacity=capacity,
            resource=resource.pk,
            cancellation_notice_hours=12,
            reschedule_notice_hours=12,
            buffer_after_minutes=10 if capacity == 1 else 0,
            **payment,
        )

    client = get_user_model().objects.filter(email="client1@teranga.demo").first()
    if client is not None and not Booking.objects.filter(client=client, source="booking").exists():
        now = timezone.now()
        cut = Service.objects.get(organization=salon, name="Coupe homme")
        slots = _slots(resource, cut, now + timedelta(days=2), now + timedelta(days=4))
        if slots:
            reservation_create(
                client=client,
                service_id=cut.pk,
                starts_at=slots[0].starts_at,
                client_note="Dégradé court, merci.",
            )
        braids = Service.objects.get(organization=salon, name="Tresses")
        slots = _slots(resource, braids, now + timedelta(days=9), now + timedelta(days=16))
        if slots:
            _paid_reservation(client, braids, slots[-1].starts_at)
    return []


def _slots(resource, service, range_from, range_to):
    return free_slots(
        resource,
        service.slot_policy(),
        offering=service.offering_key,
        range_from=range_from,
        range_to=range_to,
    )


def _paid_reservation(client, service, starts_at) -> None:
    """client1 books braids (held: the deposit is paid online) and pays the deposit with
    the sandbox provider, as the app would: initiate, then "press Pay" on the hosted
    page. The signed webhook goes through the same verification and path as any
    (payment succeeded), then the fulfilment confirms the booking and issues the
    invoice."""
    reservation = reservation_create(client=client, service_id=service.pk, starts_at=starts_at)
    sandbox_pay(
        payer=client,
        target_type=PAYABLE,
        target_id=reservation.pk,
        idempotency_key=f"demo-deposit-{reservation.pk}",
    )
