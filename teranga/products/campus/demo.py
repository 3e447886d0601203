"""Demo data of Campus: the Université Cheikh Anta Diop (from the platform's demo) and its
Club Tech, a week of events and a weekly series, students with tickets, a check-in list
and the scanner account.

- the university: a free conference, a paid concert (tiered: early bird, then regular,
  plus VIP), a workshop nearly sold out (one seat left), and a visit already sold out
  with client2 on its waiting list;
- the club: its weekly meeting (every Wednesday at 18:00, six weeks, a free ticket on
  each date);
- client1, client2 and client3 are students of the university; client1 holds a concert
  ticket paid with the sandbox provider and a seat at the conference;
- ``universite.agent1`` scans at the door ("Entrée principale" of each event).

Everything goes through the services, as the API would. Idempotent: a second run finds
the events by title and creates nothing."""

from __future__ import annotations

from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from teranga.platform.organizations.models import (
    Branch,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    VerificationStatus,
)
from teranga.platform.payments.services.sandbox import sandbox_pay

from .models import CampusOrganizer, Event, EventCategory, StudentProfile, TicketKind
from .payables import TARGET_TYPE as ORDER_PAYABLE
from .services.checkin import checkin_list_create
from .services.events import event_create, event_publish
from .services.orders import order_create
from .services.scanners import scanner_create, scanner_revoke, scanner_setup_code
from .services.series import series_create
from .services.ticket_types import ticket_type_create
from .services.waitlist import waitlist_join

DOMAIN = "teranga.demo"
UNIVERSITY_SLUG = "universite-cheikh-anta-diop"
CLUB_SLUG = "club-tech-ucad"
CLUB_ADMIN = f"club.admin@{DOMAIN}"
SERIES_TITLE = "Réunion hebdo du Club Tech"
SCANNER_NAME = "Téléphone de l'accueil (démo)"


def _user(email: str, password: str, first_name: str, last_name: str):
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=password, first_name=first_name, last_name=last_name
        )
    return user


def _club(university: Organization, password: str) -> tuple[Organization, object]:
    club, _created = Organization.objects.get_or_create(
        slug=CLUB_SLUG,
        defaults={
            "kind": OrganizationKind.CLUB,
            "name": "Club Tech UCAD",
            "description": "Le club des étudiants passionnés de technologie de l'UCAD.",
            "city": "Dakar",
            "region": university.region,
            "verification_status": VerificationStatus.VERIFIED,
            "verified_at": timezone.now(),
        },
    )
    CampusOrganizer.objects.get_or_create(organization=club, defaults={"university": university})
    admin = _user(CLUB_ADMIN, password, "Club Tech", "Admin")
    Membership.objects.update_or_create(
        organization=club, user=admin, defaults={"role": Role.ADMIN}
    )
    return club, admin


def _event(organization, manager, title: str, *, days: float, hours: int, types, **fields):
    """A published event ``days`` from now, with its ticket types (``[(name, data)]``)
    and a check-in list at the door."""
    event = Event.objects.filter(organization=organization, title=title).first()
    if event is not None:
        return event, False
    starts_at = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    event = event_create(
        organization=organization,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        **fields,
    )
    for name, data in types:
        ticket_type_create(user=manager, event_id=event.pk, data={"name": name, **data})
    event = event_publish(organization=organization, event_id=event.pk)
    checkin_list_create(event=event, name="Entrée principale")
    return event, True


def _paid_ticket(student, event: Event, type_name: str) -> None:
    """``student`` buys one ticket and pays it with the sandbox provider, as the app
    would: the order holds the seat, the payment succeeds, the tickets are issued."""
    ticket_type = event.ticket_types.get(name=type_name)
    order = order_create(
        buyer=student, event_id=event.pk, lines=[{"ticket_type": ticket_type.pk, "quantity": 1}]
    )
    sandbox_pay(
        payer=student,
        target_type=ORDER_PAYABLE,
        target_id=order.pk,
        idempotency_key=f"demo-campus-{order.pk}",
    )


def _free_ticket(student, event: Event) -> None:
    ticket_type = event.ticket_types.order_by("position", "price").first()
    order_create(
        buyer=student, event_id=event.pk, lines=[{"ticket_type": ticket_type.pk, "quantity": 1}]
    )


def load(*, password: str) -> list[tuple[str, str, str]]:
    university = Organization.objects.filter(slug=UNIVERSITY_SLUG).first()
    if university is None:
        return []
    manager = (
        Membership.objects.filter(organization=university, role=Role.OWNER)
        .select_related("user")
        .order_by("user__email")
        .first()
        .user
    )
    club, club_admin = _club(university, password)
    students = list(
        get_user_model().objects.filter(email__in=[f"client{n}@{DOMAIN}" for n in (1, 2, 3)])
    )
    students.sort(key=lambda user: user.email)
    for student in students:
        StudentProfile.objects.get_or_create(user=student, defaults={"university": university})
    campus = Branch.objects.filter(organization=university).order_by("name").first()
    venue = {"branch": campus.pk} if campus is not None else {}

    conference, new_conference = _event(
        university,
        manager,
        "Conférence : l'IA au service de l'agriculture",
        days=2,
        hours=3,
        types=[("Entrée libre", {"kind": TicketKind.FREE, "quota": 300})],
        category=EventCategory.CONFERENCE,
        description="<p>Chercheurs et start-up présentent leurs travaux.</p>"
        "<p>#tech #ia #agriculture</p>",
        **venue,
    )
    concert, new_concert = _event(
        university,
        manager,
        "Concert de fin de semestre",
        days=4,
        hours=4,
        types=[
            (
                "Étudiant",
                {
                    "kind": TicketKind.TIERED,
                    "price": 5000,
                    "quota": 400,
                    "tiers": [{"up_to": 100, "price": 3000}],
                },
            ),
            ("VIP", {"kind": TicketKind.PAID, "price": 15000, "quota": 40}),
        ],
        category=EventCategory.CONCERT,
        description="<p>Les artistes du campus sur la grande scène. #musique #culture</p>",
        transfers_allowed=True,
        **venue,
    )
    workshop, new_workshop = _event(
        university,
        manager,
        "Atelier CV et entretien d'embauche",
        days=3,
        hours=2,
        types=[("Place", {"kind": TicketKind.FREE, "quota": 3})],
        category=EventCategory.CAREER,
        description="<p>Trois places seulement : relecture de CV en petit groupe. #carriere</p>",
        **venue,
    )
    visit, new_visit = _event(
        university,
        manager,
        "Visite de l'incubateur",
        days=5,
        hours=2,
        types=[("Visiteur", {"kind": TicketKind.FREE, "quota": 2})],
        category=EventCategory.CAREER,
        description="<p>Visite guidée de l'incubateur du campus. #entrepreneuriat</p>",
        **venue,
    )
    if not Event.objects.filter(organization=club, title=SERIES_TITLE).exists():
        today = timezone.localdate()
        series = series_create(
            organization=club,
            title=SERIES_TITLE,
            weekdays=[2],
            start_time=time(18),
            duration_minutes=90,
            first_date=today,
            last_date=today + timedelta(weeks=6),
            publish=False,
            category=EventCategory.MEETING,
            description="<p>Projets, entraide et démos, chaque mercredi. #tech #club</p>",
            address="Salle 12, Faculté des sciences, UCAD",
            latitude=14.6866,
            longitude=-17.4604,
        )
        for event in series.events.order_by("starts_at"):
            ticket_type_create(
                user=club_admin,
                event_id=event.pk,
                data={"name": "Membre", "kind": TicketKind.FREE, "quota": 40},
            )
            if event.starts_at > timezone.now():
                event_publish(organization=club, event_id=event.pk)

    if len(students) == 3:
        client1, client2, client3 = students
        if new_concert:
            _paid_ticket(client1, concert, "Étudiant")
        if new_conference:
            _free_ticket(client1, conference)
            _free_ticket(client3, conference)
        if new_workshop:
            _free_ticket(client2, workshop)
            _free_ticket(client3, workshop)
        if new_visit:
            _free_ticket(client1, visit)
            _free_ticket(client3, visit)
            visitor = visit.ticket_types.get()
            waitlist_join(user=client2, event_id=visit.pk, ticket_type_id=visitor.pk)
    dashboard = f"Campus — dashboard: /campus/dashboard/{university.pk}/"
    rows = [
        (manager.email, Role.OWNER, dashboard),
        (CLUB_ADMIN, Role.ADMIN, club.name),
        _scanner(university, manager),
    ]
    rows += [(student.email, "student", f"Campus — {university.name}") for student in students]
    return rows


def _scanner(university: Organization, manager) -> tuple[str, str, str]:
    """The door's scanner phone: its setup code is shown once, so each run revokes the
    previous demo device and prints a new code (typed once on ``/campus/scan/``)."""
    from .models import ScannerDevice

    for device in ScannerDevice.objects.filter(
        organization=university, name=SCANNER_NAME, revoked_at__isnull=True
    ):
        scanner_revoke(organization=university, scanner_id=device.pk)
    device, token = scanner_create(organization=university, name=SCANNER_NAME, created_by=manager)
    return (
        scanner_setup_code(device, token),
        "scanner setup code (/campus/scan/)",
        university.name,
    )
