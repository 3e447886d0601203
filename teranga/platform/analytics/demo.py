"""Demo traffic: an analytics site for the salon's booking page and one for the academy's
website, each with goals and a funnel, and about 120 days of realistic visits (more in
the evening and on weekdays, a slow growth, Senegalese and French visitors, mobile
first, sources from search, social networks, WhatsApp and tagged campaigns), written
straight as visits and events in bulk. Idempotent: a site that already has visits gets
none added; sites, goals and funnels are created only when missing."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from teranga.core.demo import history_days
from teranga.platform.organizations.models import Organization

from .models import PAGEVIEW, AgeRange, Device, Event, Funnel, Gender, Goal, Site, Visit

DAYS = 120

AGENTS = (
    (Device.MOBILE, "Chrome Mobile", "Android", 38),
    (Device.MOBILE, "Mobile Safari", "iOS", 17),
    (Device.MOBILE, "Samsung Internet", "Android", 6),
    (Device.DESKTOP, "Chrome", "Windows", 17),
    (Device.DESKTOP, "Firefox", "Windows", 4),
    (Device.DESKTOP, "Safari", "Mac OS X", 6),
    (Device.DESKTOP, "Edge", "Windows", 4),
    (Device.TABLET, "Mobile Safari", "iOS", 5),
    (Device.TABLET, "Chrome", "Android", 3),
)
PLACES = (
    ("SN", "Dakar", "Dakar", 40),
    ("SN", "Dakar", "Pikine", 8),
    ("SN", "Thiès", "Thiès", 9),
    ("SN", "Saint-Louis", "Saint-Louis", 5),
    ("SN", "Diourbel", "Touba", 4),
    ("FR", "Île-de-France", "Paris", 12),
    ("FR", "Auvergne-Rhône-Alpes", "Lyon", 4),
    ("FR", "Provence-Alpes-Côte d'Azur", "Marseille", 3),
    ("CI", "Abidjan", "Abidjan", 4),
    ("BE", "Bruxelles", "Bruxelles", 2),
    ("CA", "Québec", "Montréal", 2),
    ("", "", "", 7),
)
SOURCES = (
    ("", "", {}, 30),
    ("Google", "https://www.google.com/", {}, 28),
    ("Facebook", "https://m.facebook.com/", {}, 12),
    ("Instagram", "https://l.instagram.com/", {}, 8),
    ("WhatsApp", "https://wa.me/", {}, 9),
    ("TikTok", "https://www.tiktok.com/", {}, 4),
    (
        "newsletter",
        "",
        {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "rentree"},
        5,
    ),
    (
        "facebook-ads",
        "",
        {"utm_source": "facebook-ads", "utm_medium": "cpc", "utm_campaign": "tabaski"},
        4,
    ),
)


def _pick(rng: random.Random, table):
    return rng.choices(table, weights=[row[-1] for row in table])[0]


SITES = {
    "salon-ndeye": {
        "name": "Salon Ndèye — page de réservation",
        "domains": ["salon-ndeye.teranga.demo"],
        "daily": 28,
        "pages": [
            ("/b/salon-ndeye/", 60),
            ("/b/salon-ndeye/book/", 25),
            ("/b/salon-ndeye/confirmed/", 8),
            ("/b/salon-ndeye/manage/", 7),
        ],
        "goals": [
            ("Réservation commencée", "pageview", "/b/salon-ndeye/book/", ""),
            ("Réservation confirmée", "pageview", "/b/salon-ndeye/confirmed/", ""),
        ],
        "funnel": ("Parcours de réservation", ["Réservation commencée", "Réservation confirmée"]),
        "flow": ["/b/salon-ndeye/", "/b/salon-ndeye/book/", "/b/salon-ndeye/confirmed/"],
        "event": None,
    },
    "calmness-trading": {
        "name": "Calmness Trading — site",
        "domains": ["calmness-trading.teranga.demo"],
        "daily": 45,
        "pages": [
            ("/", 35),
            ("/formations/", 22),
            ("/formations/initiation/", 14),
            ("/signaux/", 10),
            ("/tarifs/", 9),
            ("/blog/", 6),
            ("/contact/", 4),
        ],
        "goals": [
            ("Page formations", "pageview", "/formations/*", ""),
            ("Page tarifs", "pageview", "/tarifs/", ""),
            ("Inscription", "event", "", "signup"),
        ],
        "funnel": ("Découverte → inscription", ["Page formations", "Page tarifs", "Inscription"]),
        "flow": ["/", "/formations/", "/tarifs/"],
        "event": "signup",
    },
}


def _site(organization: Organization, spec: dict) -> Site:
    from .services import funnel_create, goal_create, site_create

    site = Site.objects.filter(organization=organization, name=spec["name"]).first()
    if site is None:
        site = site_create(organization=organization, name=spec["name"], domains=spec["domains"])
    goals = {goal.name: goal for goal in Goal.objects.filter(site=site)}
    for name, kind, path, event_name in spec["goals"]:
        if name not in goals:
            goals[name] = goal_create(
                site=site, name=name, kind=kind, path=path, event_name=event_name
            )
    funnel_name, steps = spec["funnel"]
    if not Funnel.objects.filter(site=site, name=funnel_name).exists():
        funnel_create(site=site, name=funnel_name, goal_ids=[goals[name].pk for name in steps])
    return site


def _traffic(site: Site, spec: dict, rng: random.Random) -> int:
    now = timezone.now()
    visits, events = [], []
    days = history_days(DAYS)
    start = now - timedelta(days=days)
    for day in range(days + 1):
        midnight = (start + timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
        weekday = midnight.weekday()
        trend = 0.6 + 0.6 * day / days  # slow growth
        base = spec["daily"] * trend * (0.75 if weekday == 6 else 1.0)
        count = max(0, int(rng.gauss(base, base * 0.15)))
        for _n in range(count):
            # More traffic at lunch and in the evening.
            hour = min(23, max(0, int(rng.gauss(13 if rng.random() < 0.4 else 20, 3))))
            at = midnight + timedelta(
                hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60)
            )
            if at > now:
                continue
            device, browser, os_name, _weight = _pick(rng, AGENTS)
            country, region, city, _weight = _pick(rng, PLACES)
            source, referrer, tags, _weight = _pick(rng, SOURCES)
            visitor = rng.getrandbits(63) - (1 << 62)
            if rng.random() < 0.45:
                path = [_pick(rng, spec["pages"])[0]]  # a bounce
            else:
                depth = rng.randint(2, len(spec["flow"]) + 2)
                path = spec["flow"][: rng.randint(1, len(spec["flow"]))]
                while len(path) < depth:
                    path.append(_pick(rng, spec["pages"])[0])
            gender = rng.choice(Gender.values) if rng.random() < 0.3 else ""
            age = rng.choice(AgeRange.values[:5]) if rng.random() < 0.3 else ""
            visit = Visit(
                site=site,
                organization_id=site.organization_id,
                visitor_id=visitor,
                started_at=at,
                last_seen_at=at,
                entry_page=path[0],
                exit_page=path[-1],
                source=source,
                referrer=referrer,
                device=device,
                browser=browser,
                os=os_name,
                country=country,
                region=region,
                city=city,
                gender=gender,
                age_range=age,
                pageviews=len(path),
                **{tag: tags.get(tag, "") for tag in Visit.UTM_FIELDS},
            )
            moment = at
            for page in path:
                events.append(
                    Event(
                        site=site,
                        organization_id=site.organization_id,
                        visit=visit,
                        visitor_id=visitor,
                        occurred_at=moment,
                        name=PAGEVIEW,
                        hostname=spec["domains"][0],
                        pathname=page,
                    )
                )
                moment += timedelta(seconds=int(rng.expovariate(1 / 45)) + 5)
            if spec["event"] and len(path) >= 3 and rng.random() < 0.35:
                visit.events = 1
                events.append(
                    Event(
                        site=site,
                        organization_id=site.organization_id,
                        visit=visit,
                        visitor_id=visitor,
                        occurred_at=moment,
                        name=spec["event"],
                        hostname=spec["domains"][0],
                        pathname=path[-1],
                    )
                )
            visit.last_seen_at = min(moment, now) if len(path) > 1 else at
            visits.append(visit)
    Visit.objects.bulk_create(visits, batch_size=1000)
    Event.objects.bulk_create(events, batch_size=1000)
    return len(visits)


def load(*, password: str) -> list[tuple[str, str, str]]:
    for slug, spec in SITES.items():
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            continue
        site = _site(organization, spec)
        if not Visit.objects.filter(site=site).exists():
            # Demo data, reproducible: no secret here.
            _traffic(site, spec, random.Random(f"teranga-analytics-{slug}"))  # noqa: S311
    return []
