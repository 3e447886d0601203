"""The Academy's demo data, on the platform demo's academy "Calmness Trading" (loaded
after the organisations):

* its **French seller profile**: the organisation's SIRET and TVA number, and its
  invoicing profile (legal identity in Paris, VAT 20 %, numbering
  ``CT-YYYYMMDD-XXXX``, brand gold #D4AF37 on white with black text), so every invoice
  of an enrolment carries the SIRET and TVA mentions and embeds Factur-X;
* **instructors**: ``academy.agent1`` (the platform demo's agent) and
  ``academy.instructor@teranga.demo``;
* **three formations** in EUR, each with sessions every Tuesday and Thursday at 19:00
  Paris time for 8 weeks (the first two weeks already held);
* **members**: ``client1`` paid "Trading Forex — les bases" through the sandbox provider
  (an active enrolment and its ``CT-…`` invoice), ``client2`` declared a bank transfer
  waiting for the academy's validation, ``client3`` enrolled and paid by the sandbox in
  the risk-management formation; **attendance** at the sessions already held (the link
  and the roll call);
* **signal plans**: a monthly (49.00 EUR, 30 days) and a quarterly one (129.00 EUR, 90
  days); ``client1`` bought the monthly one through the sandbox provider, so the demo
  member receives the signals (bought again by a later run once it has lapsed).

Idempotent: a second run finds everything and creates nothing.
"""

from __future__ import annotations

from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from teranga.platform.invoicing.services import invoicing_profile_update
from teranga.platform.organizations.models import Membership, Organization, Role
from teranga.platform.payments.models import PaymentMethod
from teranga.platform.payments.services.payments import payment_initiate
from teranga.platform.payments.services.sandbox import sandbox_pay

from .models import Attendance, AttendanceMethod, Enrolment, Formation, Level, Platform, Session
from .payables import TARGET_TYPE
from .services.enrolments import enrolment_create
from .services.formations import formation_create
from .services.sessions import schedule_create

ACADEMY_SLUG = "calmness-trading"
DOMAIN = "teranga.demo"
SIRET = "73282932000074"
TVA = "FR44732829320"
INSTRUCTOR_EMAIL = f"academy.instructor@{DOMAIN}"

PROFILE = {
    "legal_name": "Calmness Trading SAS",
    "legal_form": "SAS",
    "share_capital": "10 000 €",
    "address_line1": "12 rue de la Bourse",
    "postal_code": "75002",
    "city": "Paris",
    "country": "FR",
    "rcs_city": "Paris",
    "siret": SIRET,
    "tva_number": TVA,
    "email": f"factures@{ACADEMY_SLUG}.{DOMAIN}",
    "default_vat_rate": 20,
    "invoice_prefix": "CT",
    "credit_note_prefix": "CT-AV",
    "number_pattern": "{prefix}-{date:%Y%m%d}-{seq:04d}",
    "primary_color": "#D4AF37",
    "text_color": "#000000",
    "background_color": "#FFFFFF",
    "footer_text": "Calmness Trading — formations au trading en ligne.",
}

FORMATIONS = (
    (
        "Trading Forex — les bases",
        Level.BEGINNER,
        49_900,
        Platform.ZOOM,
        "https://zoom.us/j/4815162342",
        "<p>Les fondamentaux du marché des changes : <strong>paires</strong>, "
        "lots, effet de levier, premiers ordres.</p>",
    ),
    (
        "Analyse technique avancée",
        Level.INTERMEDIATE,
        79_900,
        Platform.GOOGLE_MEET,
        "https://meet.google.com/abc-defg-hij",
        "<p>Structures de marché, price action et confluences sur plusieurs unités de temps.</p>",
    ),
    (
        "Gestion du risque et psychologie",
        Level.ADVANCED,
        29_900,
        Platform.TEAMS,
        "https://teams.microsoft.com/l/meetup-join/calmness",
        "<p>Taille de position, drawdown, journal de trading et discipline.</p>",
    ),
)


def _user(email: str, password: str, first_name: str, last_name: str):
    from allauth.account.models import EmailAddress

    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=password, first_name=first_name, last_name=last_name
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _sandbox_payment(member, enrolment) -> None:
    sandbox_pay(
        payer=member,
        target_type=TARGET_TYPE,
        target_id=enrolment.pk,
        idempotency_key=f"demo-academy-{enrolment.pk}",
    )


def _manual_payment(member, enrolment) -> None:
    payment_initiate(
        payer=member,
        target_type=TARGET_TYPE,
        target_id=str(enrolment.pk),
        provider="",
        idempotency_key=f"demo-academy-{enrolment.pk}",
        request_hash="demo",
        method=PaymentMethod.BANK_TRANSFER,
        transaction_number=f"VIR-{str(enrolment.pk)[:8].upper()}",
    )


def load(*, password: str) -> list[tuple[str, str, str]]:
    academy = Organization.objects.filter(slug=ACADEMY_SLUG).first()
    if academy is None:
        return []
    User = get_user_model()
    owner = User.objects.filter(email__iexact=f"academy.owner@{DOMAIN}").first()
    agent = User.objects.filter(email__iexact=f"academy.agent1@{DOMAIN}").first()
    if owner is None:
        return []
    if academy.siret != SIRET or academy.tva_number != TVA:
        academy.siret, academy.tva_number = SIRET, TVA
        academy.save(update_fields=["siret", "tva_number", "updated_at"])
    invoicing_profile_update(actor=owner, organization=academy, **PROFILE)
    instructor = _user(INSTRUCTOR_EMAIL, password, "Awa", "Ndiaye")
    Membership.objects.get_or_create(
        organization=academy, user=instructor, defaults={"role": Role.AGENT}
    )
    logins = [(INSTRUCTOR_EMAIL, Role.AGENT, academy.name)]
    signals_demo_load(academy=academy, author=instructor)
    signal_plans_demo_load(academy=academy)
    trading_demo_load()
    if Formation.objects.filter(organization=academy).exists():
        return logins
    today = timezone.localdate()
    first_date = today - timedelta(days=14)
    formations = []
    for index, (title, level, price, platform, url, description) in enumerate(FORMATIONS):
        formation = formation_create(
            organization=academy,
            title=title,
            level=level,
            price_amount=price,
            platform=platform,
            meeting_url=url,
            description=description,
            instructor=(agent or instructor).pk if index != 1 else instructor.pk,
            is_published=True,
        )
        schedule_create(
            formation=formation,
            weekdays=[1, 3],  # Tuesday, Thursday
            start_time=time(19, 0),
            duration_minutes=90,
            first_date=first_date,
            last_date=first_date + timedelta(weeks=8) - timedelta(days=1),
        )
        formations.append(formation)
    clients = {
        n: User.objects.filter(email__iexact=f"client{n}@{DOMAIN}").first() for n in (1, 2, 3)
    }
    forex, analysis, risk = formations
    if clients[1] is not None:
        enrolment, _created = enrolment_create(user=clients[1], formation=forex)
        _sandbox_payment(clients[1], enrolment)
    if clients[2] is not None:
        enrolment, _created = enrolment_create(user=clients[2], formation=analysis)
        _manual_payment(clients[2], enrolment)
    if clients[3] is not None:
        enrolment, _created = enrolment_create(user=clients[3], formation=risk)
        _sandbox_payment(clients[3], enrolment)
    # Attendance at the sessions already held: client1 came to all but one (by link and
    # roll call), client3 to half of them.
    now = timezone.now()
    rows = []
    for member, formation, every in ((clients[1], forex, None), (clients[3], risk, 2)):
        if (
            member is None
            or not Enrolment.objects.filter(
                user=member, formation=formation, status="active"
            ).exists()
        ):
            continue
        held = list(
            Session.objects.filter(formation=formation, starts_at__lte=now).order_by("starts_at")
        )
        for position, session in enumerate(held):
            if every is None and position == 1:
                continue
            if every is not None and position % every:
                continue
            rows.append(
                Attendance(
                    organization=academy,
                    session=session,
                    user=member,
                    present=True,
                    method=AttendanceMethod.LINK if position % 2 else AttendanceMethod.ROLL_CALL,
                    recorded_by=None if position % 2 else (agent or instructor),
                )
            )
    Attendance.objects.bulk_create(rows, ignore_conflicts=True)
    return logins


# --- signals section ---
#: Demo signals: (days ago, instrument, direction, entry, stop-loss, TPs, what happened).
DEMO_SIGNALS = [
    (40, "EURUSD", "buy", "1.08500", "1.08200", ("1.08800", "1.09100", "1.09400"), "tp3_hit"),
    (33, "XAUUSD", "sell", "2350.0", "2360.0", ("2330.0", "2310.0", None), "stopped"),
    (26, "GBPUSD", "buy", "1.27000", "1.26600", ("1.27400", None, None), "tp1_then_close"),
    (12, "USDJPY", "sell", "151.200", "151.700", ("150.700", "150.200", None), "tp2_hit"),
    (2, "US30", "buy", "39000", "38850", ("39200", "39400", None), None),
]


def signals_demo_load(*, academy, author) -> None:
    """A few trading signals of the academy, most of them ended (the statistics have
    something to show), one still running. Idempotent: skipped once the academy has any."""
    from decimal import Decimal

    from .models_signals import Signal
    from .services.signals import signal_publish, signal_update_record

    if Signal.objects.filter(organization=academy).exists():
        return
    now = timezone.now()
    for days, instrument, direction, entry, stop, targets, outcome in DEMO_SIGNALS:
        published = now - timedelta(days=days)
        tp1, tp2, tp3 = (Decimal(value) if value else None for value in targets)
        signal = signal_publish(
            organization=academy,
            author=author,
            instrument=instrument,
            direction=direction,
            entry=Decimal(entry),
            stop_loss=Decimal(stop),
            tp1=tp1,
            tp2=tp2,
            tp3=tp3,
            note="Signal de démonstration.",
            now=published,
        )
        later = published + timedelta(hours=6)
        if outcome == "tp1_then_close":
            signal_update_record(signal=signal, actor=author, kind="tp1_hit", now=later)
            signal_update_record(
                signal=signal,
                actor=author,
                kind="closed",
                price=Decimal("1.27250"),
                now=later + timedelta(hours=3),
            )
        elif outcome == "tp3_hit":
            for kind in ("tp1_hit", "tp2_hit", "tp3_hit"):
                signal_update_record(signal=signal, actor=author, kind=kind, now=later)
        elif outcome:
            signal_update_record(signal=signal, actor=author, kind=outcome, now=later)


# --- signal plans section ---
#: The demo's signal plans: (name, description, price in cents, days).
DEMO_SIGNAL_PLANS = (
    ("Signaux — mensuel", "Tous les signaux de l'académie pendant 30 jours.", 4_900, 30),
    ("Signaux — trimestriel", "Tous les signaux pendant 90 jours : un mois offert.", 12_900, 90),
)
DEMO_SIGNAL_MEMBER = f"client1@{DOMAIN}"


def signal_plans_demo_load(*, academy) -> None:
    """The academy's monthly and quarterly signal plans, and ``client1`` subscribed to the
    monthly one (paid through the sandbox provider, so fulfilled as any payment).
    Idempotent: plans are found by name, and a subscription that runs is left as it is."""
    from .models_plans import SignalPlan
    from .selectors_signals import (
        SIGNAL_SUBSCRIPTION_PAYABLE,
        member_signal_subscription,
        subscription_runs,
    )
    from .services.plans import signal_plan_create, signal_subscription_choose

    plans = []
    for position, (name, description, price, days) in enumerate(DEMO_SIGNAL_PLANS):
        plan = SignalPlan.objects.filter(organization=academy, name=name).first()
        if plan is None:
            plan = signal_plan_create(
                organization=academy,
                name=name,
                description=description,
                price_amount=price,
                duration_days=days,
                position=position,
            )
        plans.append(plan)
    member = get_user_model().objects.filter(email__iexact=DEMO_SIGNAL_MEMBER).first()
    if member is None:
        return
    running = member_signal_subscription(user=member, organization_id=academy.pk)
    if subscription_runs(running):
        return
    subscription, _created = signal_subscription_choose(user=member, plan=plans[0])
    sandbox_pay(
        payer=member,
        target_type=SIGNAL_SUBSCRIPTION_PAYABLE,
        target_id=subscription.pk,
        idempotency_key=f"demo-academy-signals-{subscription.pk}-{timezone.localdate()}",
    )


# --- member space section ---
#: The demo member's MetaTrader account: the login the Expert Advisor's examples name.
DEMO_TRADING_LOGIN = 50123456
DEMO_TRADING_MEMBER = f"client1@{DOMAIN}"


def trading_demo_load() -> None:
    """``client1``'s trading account with an API key, filled by replaying the Expert
    Advisor's example uploads (``mt4/examples/*.json``, in name order) through the sync
    service, so their member space shows trading statistics. The key itself is not kept
    (only its digest is ever stored): the member creates their own for a real EA.
    Idempotent: the account and an active key are found again, and a replay happens only
    while the account has no trades."""
    import json
    from pathlib import Path

    from .api.mt import SyncSerializer
    from .models_mt import Trade, TradingAccount, TradingAccountKey
    from .services.mt import account_key_create, mt_sync, trading_account_create

    member = get_user_model().objects.filter(email__iexact=DEMO_TRADING_MEMBER).first()
    if member is None:
        return
    account = TradingAccount.objects.filter(user=member, login=DEMO_TRADING_LOGIN).first()
    if account is None:
        account = trading_account_create(
            user=member, name="Compte démo MT4", login=DEMO_TRADING_LOGIN
        )
    key = TradingAccountKey.objects.filter(account=account, revoked_at__isnull=True).first()
    if key is None:
        key, _raw_key = account_key_create(account=account, label="Démo")
    if Trade.objects.filter(account=account).exists():
        return
    examples = Path(__file__).resolve().parent / "mt4" / "examples"
    for path in sorted(examples.glob("*.json")):
        serializer = SyncSerializer(data=json.loads(path.read_text()))
        serializer.is_valid(raise_exception=True)
        mt_sync(
            key=key,
            account_info=serializer.validated_data["account"],
            trades=serializer.validated_data["trades"],
        )
