"""Demo data: a staff superuser, verified organisations in Dakar and Thiès with branches,
weekly hours, an owner and agents each, and a few clients. Idempotent: running it again
updates the same rows and creates nothing new."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from teranga.platform.geo.models import Department, Region

from . import services
from .extensions import demo_loaders
from .models import Branch, Membership, Organization, Role, VerificationStatus

DEFAULT_DEMO_PASSWORD = "Teranga2026!"
DEMO_DOMAIN = "teranga.demo"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"


CLIENT_LANGUAGES = {1: "fr", 2: "wo", 3: "en"}


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@dataclass(frozen=True)
class DemoBranch:
    name: str
    address: str
    department: str  # department slug
    commune: str
    latitude: str
    longitude: str
    phone: str


@dataclass(frozen=True)
class DemoOrganization:
    key: str
    slug: str
    name: str
    kind: str
    city: str
    region: str  # region code
    description: str
    branches: tuple[DemoBranch, ...]
    agents: int = 2
    currency: str = "XOF"
    time_zone: str = "Africa/Dakar"
    country: str = "SN"


ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    DemoOrganization(
        "banque",
        "banque-teranga",
        "Banque Teranga",
        "bank",
        "Dakar",
        "DK",
        "Banque de détail : comptes, crédits, transferts. File d'attente virtuelle en agence.",
        (
            DemoBranch(
                "Agence Dakar Plateau",
                "Avenue Léopold Sédar Senghor",
                "dakar",
                "Dakar-Plateau",
                "14.670800",
                "-17.438100",
                "+221338201000",
            ),
            DemoBranch(
                "Agence Almadies",
                "Route des Almadies",
                "dakar",
                "Ngor",
                "14.744600",
                "-17.513100",
                "+221338201001",
            ),
        ),
    ),
    DemoOrganization(
        "hopital",
        "hopital-principal",
        "Hôpital Principal",
        "hospital",
        "Dakar",
        "DK",
        "Hôpital de référence : consultations, urgences, prise de rendez-vous.",
        (
            DemoBranch(
                "Hôpital Principal de Dakar",
                "1 Avenue Nelson Mandela",
                "dakar",
                "Dakar-Plateau",
                "14.662000",
                "-17.434000",
                "+221338395050",
            ),
        ),
    ),
    DemoOrganization(
        "salon",
        "salon-ndeye",
        "Salon Ndèye",
        "business",
        "Thiès",
        "TH",
        "Coiffure, tresses et soins. Réservation en ligne.",
        (
            DemoBranch(
                "Salon Ndèye Thiès",
                "Avenue Caen",
                "thies",
                "Thiès-Nord",
                "14.791000",
                "-16.925600",
                "+221339511234",
            ),
        ),
        agents=1,
    ),
    DemoOrganization(
        "universite",
        "universite-cheikh-anta-diop",
        "Université Cheikh Anta Diop",
        "university",
        "Dakar",
        "DK",
        "Événements du campus, clubs et billetterie.",
        (
            DemoBranch(
                "Campus de Fann",
                "Avenue Cheikh Anta Diop",
                "dakar",
                "Fann-Point E-Amitié",
                "14.692800",
                "-17.461700",
                "+221338252530",
            ),
        ),
    ),
    DemoOrganization(
        "agence",
        "digit-hab",
        "DIGIT-HAB",
        "agency",
        "Dakar",
        "DK",
        "Agence immobilière : ventes, locations, visites.",
        (
            DemoBranch(
                "DIGIT-HAB Mermoz",
                "Route de Ouakam",
                "dakar",
                "Mermoz-Sacré-Cœur",
                "14.706100",
                "-17.474800",
                "+221338600000",
            ),
        ),
        agents=1,
    ),
    DemoOrganization(
        "academy",
        "calmness-trading",
        "Calmness Trading",
        "academy",
        "Dakar",
        "DK",
        "Formations au trading, sessions en direct et signaux.",
        (
            DemoBranch(
                "Calmness Trading Dakar",
                "Point E",
                "dakar",
                "Fann-Point E-Amitié",
                "14.697000",
                "-17.456000",
                "+221338690000",
            ),
        ),
        agents=1,
        currency="EUR",
        time_zone="Europe/Paris",
    ),
)

CLIENTS = 3

#: Mon–Fri 08:00–17:00 with a 13:00–14:00 break, Saturday 09:00–13:00.
WEEK = [
    *(
        {
            "weekday": day,
            "opens_at": time(8),
            "closes_at": time(17),
            "break_start": time(13),
            "break_end": time(14),
        }
        for day in range(5)
    ),
    {
        "weekday": 5,
        "opens_at": time(9),
        "closes_at": time(13),
        "break_start": None,
        "break_end": None,
    },
]


def _user(
    email: str, password: str, *, first_name: str = "", last_name: str = "", staff: bool = False
):
    from allauth.account.models import EmailAddress

    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email)
    user.first_name = first_name or user.first_name
    user.last_name = last_name or user.last_name
    user.is_active = True
    user.is_staff = staff or user.is_staff
    user.is_superuser = staff or user.is_superuser
    if not user.pk or not user.check_password(password):
        user.set_password(password)
    user.save()
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _organization(spec: DemoOrganization, regions: dict[str, Region]) -> Organization:
    organization, _ = Organization.objects.update_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name,
            "kind": spec.kind,
            "city": spec.city,
            "region": regions[spec.region],
            "description": spec.description,
            "currency": spec.currency,
            "time_zone": spec.time_zone,
            "country": spec.country,
            "contact_email": f"contact@{spec.slug}.{DEMO_DOMAIN}",
        },
    )
    return organization


def _branch(
    organization: Organization, spec: DemoBranch, departments: dict[str, Department]
) -> Branch:
    department = departments[spec.department]
    branch, _ = Branch.objects.update_or_create(
        organization=organization,
        name=spec.name,
        defaults={
            "address": spec.address,
            "region_id": department.region_id,
            "department": department,
            "commune": spec.commune,
            "latitude": Decimal(spec.latitude),
            "longitude": Decimal(spec.longitude),
            "phone": spec.phone,
            "is_active": True,
        },
    )
    return branch


@transaction.atomic
def seed_demo(password: str | None = None) -> list[tuple[str, str, str]]:
    """Create or refresh the demo data; returns the logins as (email, role, organisation)."""
    password = password or demo_password()
    regions = {region.code: region for region in Region.objects.all()}
    departments = {department.slug: department for department in Department.objects.all()}
    logins: list[tuple[str, str, str]] = []

    admin = _user(ADMIN_EMAIL, password, first_name="Admin", last_name="Teranga", staff=True)
    logins.append((admin.email, "staff superuser", "—"))

    for spec in ORGANIZATIONS:
        organization = _organization(spec, regions)
        people = [(f"{spec.key}.owner@{DEMO_DOMAIN}", Role.OWNER, "Owner")]
        people += [
            (f"{spec.key}.agent{n}@{DEMO_DOMAIN}", Role.AGENT, f"Agent {n}")
            for n in range(1, spec.agents + 1)
        ]
        for email, role, last_name in people:
            user = _user(email, password, first_name=spec.name, last_name=last_name)
            Membership.objects.update_or_create(
                organization=organization, user=user, defaults={"role": role}
            )
            logins.append((email, role, organization.name))
        for branch_spec in spec.branches:
            branch = _branch(organization, branch_spec, departments)
            services.opening_hours_set(organization=organization, branch_id=branch.pk, periods=WEEK)
        if organization.verification_status != VerificationStatus.VERIFIED:
            services.organization_verification_decide(
                actor=admin,
                organization=organization,
                status=VerificationStatus.VERIFIED,
                note="Demo data",
            )

    for n in range(1, CLIENTS + 1):
        client = _user(f"client{n}@{DEMO_DOMAIN}", password, first_name="Client", last_name=str(n))
        # Verified Senegalese mobiles, so the demo's notifications also reach the sandbox
        # SMS outbox; client2 reads them in Wolof and client3 in English.
        client.phone = f"+2217712345{n:02d}"
        client.phone_verified = True
        client.language = CLIENT_LANGUAGES.get(n, client.language)
        client.save(
            update_fields=["phone", "phone_hash", "phone_verified", "language", "updated_at"]
        )
        logins.append((client.email, "client", "—"))

    for name in demo_loaders.names():
        logins.extend(demo_loaders.get(name)(password=password))
    return logins


def demo_logins(limit: int = 40) -> list[tuple[str, str, str]]:
    """The demo accounts present in the database, as (email, role, organisation): what
    the home page shows in demo mode. Two queries, whatever the number."""
    User = get_user_model()
    users = list(
        User.objects.filter(email__iendswith=f"@{DEMO_DOMAIN}", is_active=True)
        .order_by("email")
        .only("email", "is_superuser")[:limit]
    )
    memberships: dict = {}
    for membership in Membership.objects.filter(user__in=users).select_related("organization"):
        memberships.setdefault(membership.user_id, membership)
    rows = []
    for user in users:
        membership = memberships.get(user.pk)
        if user.is_superuser:
            rows.append((user.email, "staff superuser", "—"))
        elif membership is not None:
            rows.append((user.email, membership.role, membership.organization.name))
        else:
            rows.append((user.email, "client", "—"))
    return rows
