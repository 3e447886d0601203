"""The real-estate demo, on the platform demo's agency **DIGIT-HAB** (Dakar, Mermoz):

* a manager ``agence.manager@teranga.demo`` and agents ``agence.agent2`` and
  ``agence.agent3`` besides the platform's ``agence.agent1``; the agency on the Business
  plan (listings and agents unlimited), active for a year;
* 200 properties in Dakar's communes (Plateau, Almadies, Mermoz, Ouakam, Yoff, Ngor,
  Point E, Sacré-Cœur, Parcelles Assainies, Pikine, Guédiawaye, Rufisque …) at realistic
  coordinates and XOF prices (sales in millions, monthly rents, nightly short stays), in
  every status, with features and a history row each; the first ten available ones have
  two photos drawn with Pillow (uploaded through the image service: re-encoded with
  thumbnails).

Idempotent: a second run finds the agency's properties and creates nothing. The
properties are bulk-inserted (the service would check the plan per row); their search
text and history rows are written as the services write them.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from teranga.platform.geo.models import Region
from teranga.platform.organizations.models import Membership, Organization, Role
from teranga.platform.payments.models import Plan, Subscription, SubscriptionStatus

from .models import (
    ChangeField,
    Feature,
    Property,
    PropertyChange,
    PropertyStatus,
    PropertyType,
    TransactionType,
    features_mask,
)
from .richtext import search_text
from .services.media import image_add

AGENCY_SLUG = "digit-hab"
DOMAIN = "teranga.demo"
PROPERTIES = 200
PHOTOGRAPHED = 10
SEED = 2026
#: (commune, latitude, longitude, spread in degrees, price factor).
COMMUNES = (
    ("Dakar-Plateau", 14.6708, -17.4381, 0.006, 1.5),
    ("Almadies", 14.7450, -17.5200, 0.006, 2.2),
    ("Ngor", 14.7470, -17.5130, 0.005, 1.8),
    ("Mermoz-Sacré-Cœur", 14.7061, -17.4748, 0.007, 1.4),
    ("Fann-Point E-Amitié", 14.6928, -17.4617, 0.005, 1.5),
    ("Ouakam", 14.7230, -17.4920, 0.007, 1.3),
    ("Yoff", 14.7560, -17.4770, 0.008, 1.1),
    ("Sicap-Liberté", 14.7180, -17.4590, 0.005, 1.0),
    ("HLM", 14.7100, -17.4450, 0.004, 0.8),
    ("Grand Yoff", 14.7330, -17.4560, 0.007, 0.8),
    ("Médina", 14.6833, -17.4500, 0.004, 0.9),
    ("Hann Bel-Air", 14.7180, -17.4300, 0.006, 0.9),
    ("Parcelles Assainies", 14.7640, -17.4400, 0.008, 0.7),
    ("Pikine", 14.7550, -17.3900, 0.010, 0.5),
    ("Guédiawaye", 14.7770, -17.3950, 0.009, 0.5),
    ("Keur Massar", 14.7830, -17.3170, 0.010, 0.4),
    ("Rufisque", 14.7160, -17.2730, 0.010, 0.45),
)
STATUSES = (
    (PropertyStatus.AVAILABLE, 70),
    (PropertyStatus.DRAFT, 8),
    (PropertyStatus.RESERVED, 6),
    (PropertyStatus.UNDER_OFFER, 4),
    (PropertyStatus.SOLD, 6),
    (PropertyStatus.RENTED, 4),
    (PropertyStatus.WITHDRAWN, 2),
)
TYPE_WORDS = {
    PropertyType.APARTMENT: "Appartement",
    PropertyType.HOUSE: "Maison",
    PropertyType.VILLA: "Villa",
    PropertyType.LAND: "Terrain",
    PropertyType.OFFICE: "Bureau",
    PropertyType.SHOP: "Local commercial",
    PropertyType.BUILDING: "Immeuble",
}
TRANSACTION_WORDS = {
    TransactionType.SALE: "à vendre",
    TransactionType.RENT: "à louer",
    TransactionType.SHORT_STAY: "en courte durée",
}
COLOURS = ((15, 118, 110), (180, 83, 9), (30, 64, 175), (190, 18, 60), (77, 124, 15))


def _subscribe(organization: Organization) -> None:
    if Subscription.objects.filter(organization=organization).exists():
        return
    plan = Plan.objects.filter(code="business").first()
    if plan is None:  # pragma: no cover - the payments migration creates it
        return
    now = timezone.now()
    Subscription.objects.create(
        organization=organization,
        plan=plan,
        period="yearly",
        currency=organization.currency,
        status=SubscriptionStatus.ACTIVE,
        current_period_start=now,
        current_period_end=now + timedelta(days=365),
    )


def _person(
    organization: Organization, email: str, role: str, password: str, first: str, last: str
):
    from allauth.account.models import EmailAddress

    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=password, first_name=first, last_name=last
        )
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    return user


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _price(rng: random.Random, kind: str, transaction: str, factor: float, surface: int) -> int:
    """XOF (no minor unit), rounded like agencies round them."""
    if transaction == TransactionType.SHORT_STAY:
        return int(rng.uniform(25_000, 90_000) * factor) // 5_000 * 5_000
    if transaction == TransactionType.RENT:
        monthly = surface * rng.uniform(3_000, 6_000) * factor
        return max(100_000, int(monthly) // 25_000 * 25_000)
    per_m2 = {PropertyType.LAND: 90_000}.get(kind, rng.uniform(450_000, 900_000))
    return max(5_000_000, int(surface * per_m2 * factor) // 500_000 * 500_000)


def _property(rng: random.Random, organization, agents, region, index: int, now) -> tuple:
    commune, lat, lng, spread, factor = COMMUNES[index % len(COMMUNES)]
    kind = _weighted(
        rng,
        (
            (PropertyType.APARTMENT, 40),
            (PropertyType.VILLA, 15),
            (PropertyType.HOUSE, 12),
            (PropertyType.LAND, 12),
            (PropertyType.OFFICE, 8),
            (PropertyType.SHOP, 8),
            (PropertyType.BUILDING, 5),
        ),
    )
    transaction_type = _weighted(
        rng,
        (
            (TransactionType.SALE, 50),
            (TransactionType.RENT, 40),
            (TransactionType.SHORT_STAY, 10 if kind == PropertyType.APARTMENT else 0),
        ),
    )
    if kind == PropertyType.LAND:
        transaction_type = TransactionType.SALE
    status = _weighted(rng, STATUSES)
    if transaction_type == TransactionType.SALE and status == PropertyStatus.RENTED:
        status = PropertyStatus.SOLD
    if transaction_type != TransactionType.SALE and status == PropertyStatus.SOLD:
        status = PropertyStatus.RENTED
    built = kind != PropertyType.LAND
    bedrooms = (
        rng.randint(1, 6)
        if kind in {PropertyType.APARTMENT, PropertyType.HOUSE, PropertyType.VILLA}
        else None
    )
    rooms = (bedrooms + rng.randint(1, 2)) if bedrooms else (rng.randint(1, 8) if built else None)
    surface = rng.randint(150, 1000) if kind == PropertyType.LAND else rng.randint(35, 450)
    features = [feature for feature in Feature if rng.random() < 0.25] if built else []
    if commune in {"Almadies", "Ngor", "Ouakam"} and rng.random() < 0.6 and built:
        features.append(Feature.SEA_VIEW)
    features = sorted(set(features))
    word = TYPE_WORDS[kind]
    details = f"F{rooms}" if kind == PropertyType.APARTMENT and rooms else f"{surface} m²"
    title = f"{word} {details} {TRANSACTION_WORDS[transaction_type]} — {commune}"
    description = (
        f"<p>{word} de {surface} m² situé à {commune}, proche des commerces et des transports.</p>"
    )
    price = _price(rng, kind, transaction_type, factor, surface)
    created = now - timedelta(days=rng.randint(0, 240), minutes=rng.randint(0, 1440))
    address = f"Rue {rng.randint(1, 120)}, {commune}"
    return Property(
        organization=organization,
        agent=agents[index % len(agents)],
        property_type=kind,
        transaction=transaction_type,
        status=status,
        title=title,
        description=description,
        address=address,
        region=region,
        commune=commune,
        latitude=round(lat + rng.uniform(-spread, spread), 6),
        longitude=round(lng + rng.uniform(-spread, spread), 6),
        price=price,
        currency="XOF",
        charges=(rng.randint(1, 6) * 10_000) if transaction_type == TransactionType.RENT else None,
        deposit=price * 2 if transaction_type == TransactionType.RENT else None,
        surface=surface if built else None,
        land_surface=surface
        if not built
        else (surface + rng.randint(0, 300) if kind == PropertyType.VILLA else None),
        rooms=rooms,
        bedrooms=bedrooms,
        bathrooms=max(1, (bedrooms or 1) - rng.randint(0, 1)) if built else None,
        floor=rng.randint(0, 8) if kind == PropertyType.APARTMENT else None,
        year_built=rng.randint(1975, 2025) if built else None,
        features=features_mask(features),
        search_text=search_text(title, description, address, commune),
        published_at=created if status != PropertyStatus.DRAFT else None,
    ), created


def _photo(rng: random.Random, title: str, n: int) -> ContentFile:
    """A simple drawing of a house: sky, walls, roof, windows (JPEG)."""
    colour = COLOURS[n % len(COLOURS)]
    image = Image.new("RGB", (960, 640), (186, 230, 253))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 470, 960, 640), fill=(214, 211, 209))
    left = rng.randint(120, 300)
    draw.rectangle((left, 240, left + 520, 500), fill=(250, 245, 235), outline=colour, width=6)
    draw.polygon([(left - 30, 250), (left + 260, 90), (left + 550, 250)], fill=colour)
    for column in range(3):
        x = left + 50 + column * 160
        draw.rectangle((x, 300, x + 90, 380), fill=(125, 211, 252), outline=(68, 64, 60), width=3)
    draw.rectangle((left + 230, 400, left + 300, 500), fill=(120, 53, 15))
    draw.text((24, 24), title[:60], fill=(17, 24, 39))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    return ContentFile(output.getvalue(), name="demo.jpg")


def load(*, password: str) -> list[tuple[str, str, str]]:
    agency = Organization.objects.filter(slug=AGENCY_SLUG).first()
    if agency is None:
        return []
    logins: list[tuple[str, str, str]] = []
    with transaction.atomic():
        _subscribe(agency)
        manager = _person(
            agency, f"agence.manager@{DOMAIN}", Role.MANAGER, password, "Awa", "Ndiaye"
        )
        agents = [
            _person(agency, f"agence.agent{n}@{DOMAIN}", Role.AGENT, password, first, last)
            for n, first, last in ((2, "Moussa", "Fall"), (3, "Khady", "Sarr"))
        ]
        first_agent = (
            Membership.objects.filter(organization=agency, role=Role.AGENT)
            .exclude(user__in=agents)
            .select_related("user")
            .order_by("created_at")
            .first()
        )
        team = ([first_agent.user] if first_agent else []) + agents + [manager]
        if not Property.objects.filter(organization=agency).exists():
            _properties(agency, team)
        _crm(agency, team, manager)  # --- crm section ---
        _visits(agency)  # --- visits section ---
        _matching(agency, manager)  # --- matching section ---
        client_logins = _transactions(agency, team, manager, password)  # --- transactions ---
    page = "/realestate/properties/"
    logins.append((manager.email, "manager", f"DIGIT-HAB — {agency.name}: {page}"))
    logins.extend((agent.email, "agent", f"DIGIT-HAB — {agency.name}") for agent in agents)
    logins.extend(client_logins)  # --- transactions section ---
    return logins


def _properties(agency: Organization, team: list) -> None:
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    region = Region.objects.filter(code="DK").first()
    built = [_property(rng, agency, team, region, index, now) for index in range(PROPERTIES)]
    properties = Property.objects.bulk_create([prop for prop, _created in built])
    # The listing dates are spread over the last eight months (auto_now_add stamps now).
    for prop, created in built:
        prop.created_at = created
    Property.objects.bulk_update(properties, ["created_at"])
    PropertyChange.objects.bulk_create(
        PropertyChange(
            organization=agency,
            property=prop,
            field=field,
            old_value="",
            new_value=str(value),
            actor=prop.agent,
        )
        for prop in properties
        for field, value in (
            (ChangeField.STATUS, prop.status),
            (ChangeField.PRICE, prop.price),
            (ChangeField.AGENT, prop.agent_id),
        )
    )
    available = [prop for prop in properties if prop.status == PropertyStatus.AVAILABLE]
    for n, prop in enumerate(available[:PHOTOGRAPHED]):
        for shot in range(2):
            image_add(prop=prop, upload=_photo(rng, prop.title, n + shot), caption="")


# --- crm section ---
#: (name, kind, national phone, email, source) of the demo's clients.
CRM_CLIENTS = (
    ("Awa Diop", "person", "771234501", "awa.diop@example.sn", "website"),
    ("Moussa Sow", "person", "781234502", "", "phone"),
    ("Fatou Ndiaye", "person", "761234503", "fatou.ndiaye@example.sn", "referral"),
    ("Ibrahima Fall", "person", "701234504", "ibrahima.fall@example.sn", "walk_in"),
    ("Khady Sarr", "person", "", "khady.sarr@example.sn", "portal"),
    ("Cheikh Ba", "person", "771234506", "", "website"),
    ("Aminata Gueye", "person", "781234507", "aminata.gueye@example.sn", "referral"),
    ("SONATEL Immobilier", "company", "338391200", "immobilier@example.sn", "phone"),
    ("Teranga Logistique SARL", "company", "338201010", "contact@teranga-logistique.sn", "portal"),
)


def _crm(agency: Organization, team: list, manager) -> None:
    """Clients (people and companies with a contact, most with their consent), a lead in
    every stage of the default pipeline with its history, a few interactions and tasks.
    Written directly (the services would notify the agents of every demo lead)."""
    from .models import Client, ClientContact, CrmTask, Interaction, Lead, LeadStageChange
    from .services.crm import lead_score, pipeline_ensure

    if Client.objects.filter(organization=agency).exists():
        return
    now = timezone.now()
    stages = pipeline_ensure(organization=agency)
    agents = [user for user in team if user != manager] or team
    for index, (name, kind, phone, email, source) in enumerate(CRM_CLIENTS):
        client = Client.objects.create(
            organization=agency,
            kind=kind,
            name=name,
            email=email,
            phone=f"+221{phone}" if phone else None,
            created_by=manager,
            consent_given_at=now - timedelta(days=30) if index % 3 else None,
            consent_email=bool(email and index % 3),
            consent_whatsapp=bool(phone and index % 3),
            search_text=search_text(name, email),
        )
        if kind == "company":
            ClientContact.objects.create(
                organization=agency,
                client=client,
                name="Mamadou Diallo",
                role="Directeur administratif",
                email=f"m.diallo.{index}@example.sn",
            )
        interactions = index % 4
        Interaction.objects.bulk_create(
            Interaction(
                organization=agency,
                client=client,
                kind=("call", "whatsapp", "meeting")[n % 3],
                occurred_at=now - timedelta(days=2 + 3 * n),
                author=agents[index % len(agents)],
                summary="Échange sur ses critères : budget, quartier, nombre de pièces.",
            )
            for n in range(interactions)
        )
        stage = stages[index % len(stages)]
        agent = agents[index % len(agents)]
        lead = Lead(
            organization=agency,
            client=client,
            source=source,
            stage=stage,
            agent=agent,
            budget_max=(index + 1) * 25_000_000 if index % 2 == 0 else None,
            stage_changed_at=now - timedelta(days=index),
            created_by=manager,
        )
        lead.score, lead.score_details = lead_score(lead, recent_interactions=interactions)
        lead.save()
        LeadStageChange.objects.create(
            organization=agency, lead=lead, to_stage=stages[0], to_name=stages[0].name, actor=agent
        )
        if stage != stages[0]:
            LeadStageChange.objects.create(
                organization=agency,
                lead=lead,
                from_stage=stages[0],
                to_stage=stage,
                from_name=stages[0].name,
                to_name=stage.name,
                actor=agent,
            )
        if stage.kind == "open":
            CrmTask.objects.create(
                organization=agency,
                title=f"Relancer {name}",
                due_at=now + timedelta(days=1 + index % 3),
                remind_at=now + timedelta(days=index % 3, hours=20),
                assignee=agent,
                created_by=manager,
                lead=lead,
                client=client,
            )


# --- visits section ---
#: (guest name, national phone) of the demo's visitors without an account.
VISIT_GUESTS = (("Mame Diarra Sy", "771234601"), ("Ousmane Diallo", "781234602"))


def _visits(agency: Organization) -> None:
    """A few confirmed visits of available properties in the coming days, booked by the
    agents for guests through the scheduling engine (nothing when there are visits)."""
    from teranga.core.errors import ApplicationError

    from .models import Visit
    from .selectors.visits import visit_slots
    from .services.visits import Guest, agent_resource_ensure, visit_create

    if Visit.objects.filter(organization=agency).exists():
        return
    available = (
        Property.objects.filter(organization=agency, status=PropertyStatus.AVAILABLE)
        .exclude(agent=None)
        .select_related("agent", "organization")
        .order_by("created_at")[:3]
    )
    for n, prop in enumerate(available):
        name, phone = VISIT_GUESTS[n % len(VISIT_GUESTS)]
        agent_resource_ensure(organization=agency, agent=prop.agent)
        slots = visit_slots(user=prop.agent, property_id=prop.pk).slots
        if not slots:
            continue
        try:
            visit_create(
                prop=prop,
                actor=prop.agent,
                starts_at=slots[min(len(slots) - 1, 4 * n + 2)].starts_at,
                guest=Guest(name=name, phone=phone),
                by_agency=True,
            )
        except ApplicationError:  # the demo agency is not verified yet, or a slot clash
            continue


# --- matching section ---
def _matching(agency: Organization, manager) -> None:
    """Requests of the first demo clients, built around available properties (so that
    each has matches): one instant saved search, one daily, one without alerts. Through
    the service: the matching runs in the background after commit, and the hits are
    recorded once. Nothing when the agency has requests."""
    from .models import Client, ClientRequest, features_list
    from .services.requests import request_create

    if ClientRequest.objects.filter(organization=agency).exists():
        return
    clients = list(Client.objects.filter(organization=agency).order_by("created_at")[:3])
    anchors = list(
        Property.objects.filter(
            organization=agency, status=PropertyStatus.AVAILABLE, latitude__isnull=False
        ).order_by("created_at")[: len(clients)]
    )
    frequencies = ("instant", "daily", "none")
    for client, prop, frequency in zip(clients, anchors, frequencies, strict=False):
        request_create(
            organization=agency,
            actor=manager,
            client_id=client.pk,
            transaction=prop.transaction,
            property_types=[prop.property_type],
            budget_max=prop.price,
            currency=prop.currency,
            rooms_min=max(1, (prop.rooms or 2) - 1),
            zones=[
                {
                    "lat": prop.latitude,
                    "lng": prop.longitude,
                    "radius_km": 3.0,
                    "label": prop.commune or "Dakar",
                }
            ],
            nice_features=features_list(prop.features)[:2],
            alert_frequency=frequency,
        )


# --- transactions section ---
DEMO_CLIENT = f"client.immo@{DOMAIN}"


def _transactions(agency: Organization, team: list, manager, password: str) -> list:
    """A client account (Aïssatou Ba) that reserved an available property and paid its
    deposit through the sandbox provider (the reservation confirmed, the property
    reserved), the reservation agreement generated and sent to her, and the commission of
    a sold property. Nothing when the agency has reservations. Returns her login."""
    from allauth.account.models import EmailAddress

    from teranga.core.errors import ApplicationError
    from teranga.platform.payments.services.sandbox import sandbox_pay

    from .models import Commission, ContractKind, Reservation
    from .services.commissions import commission_create
    from .services.contracts import contract_create, contract_send
    from .services.reservations import PAYABLE, reservation_create

    User = get_user_model()
    client = User.objects.filter(email__iexact=DEMO_CLIENT).first()
    if client is None:
        client = User.objects.create_user(
            email=DEMO_CLIENT, password=password, first_name="Aïssatou", last_name="Ba"
        )
    EmailAddress.objects.update_or_create(
        user=client, email=DEMO_CLIENT, defaults={"verified": True, "primary": True}
    )
    login = [(DEMO_CLIENT, "client", f"DIGIT-HAB — {agency.name}")]
    if Reservation.objects.filter(organization=agency).exists():
        return login
    prop = (
        Property.objects.filter(
            organization=agency, status=PropertyStatus.AVAILABLE, transaction="sale"
        )
        .exclude(agent=None)
        .order_by("-created_at")
        .first()
    )
    if prop is not None:
        try:
            with transaction.atomic():
                reservation = reservation_create(prop=prop, user=client, language="fr")
                sandbox_pay(
                    payer=client,
                    target_type=PAYABLE,
                    target_id=reservation.pk,
                    idempotency_key=f"demo-realestate-{reservation.pk}",
                )
                reservation.refresh_from_db()
                contract = contract_create(
                    organization=agency,
                    actor=prop.agent,
                    kind=ContractKind.RESERVATION_AGREEMENT,
                    prop=prop,
                    reservation_id=reservation.pk,
                    language="fr",
                )
                contract_send(contract=contract, actor=prop.agent)
        except ApplicationError:  # the demo agency is not verified yet
            pass
    sold = (
        Property.objects.filter(organization=agency, status=PropertyStatus.SOLD)
        .exclude(agent=None)
        .order_by("created_at")
        .first()
    )
    if sold is not None and not Commission.objects.filter(property=sold).exists():
        commission_create(
            organization=agency,
            prop=sold,
            actor=manager,
            deal_price=int(sold.price),
            deal_date=timezone.localdate() - timedelta(days=12),
            selling_agent_id=team[-2].pk if len(team) > 1 else None,
        )
    return login
