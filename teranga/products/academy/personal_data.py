"""The GDPR side of the academy (``Product.user_exporters``): the member's enrolments
(formation, academy, status, amount), attendance marks and signal subscriptions (academy,
plan, dates, and each paid period with its plan, amount, dates and payment). Nothing to
erase: the rows hold no personal data beyond the account, which the erasure anonymises
(they stay attached to the anonymised account), and they are the academy's record of what
was paid and attended — a subscription's periods are its accounting, each tied to its
payment and invoice. An erased account is no longer reminded of its subscription's end
(``services.plan_reminders``: active accounts only)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from .models import Attendance, Enrolment
from .models_plans import SignalSubscription, SignalSubscriptionPeriod


def academy_user_export(*, user) -> dict[str, Any]:
    enrolments = (
        Enrolment.objects.filter(user=user)
        .select_related("formation", "organization")
        .order_by("-created_at")
    )
    marks = (
        Attendance.objects.filter(user=user)
        .select_related("session__formation")
        .order_by("-session__starts_at")
    )
    return {
        "enrolments": [
            {
                "id": str(e.pk),
                "academy": e.organization.name,
                "formation": e.formation.title,
                "status": e.status,
                "amount": e.amount,
                "currency": e.currency,
                "activated_at": e.activated_at,
                "created_at": e.created_at,
            }
            for e in enrolments
        ],
        "attendance": [
            {
                "formation": a.session.formation.title,
                "session_starts_at": a.session.starts_at,
                "present": a.present,
                "method": a.method,
            }
            for a in marks
        ],
        "signal_subscriptions": signal_subscriptions_export(user=user),
    }


def signal_subscriptions_export(*, user) -> list[dict[str, Any]]:
    """The member's signal subscriptions with their periods (two queries)."""
    subscriptions = (
        SignalSubscription.objects.filter(user=user)
        .select_related("organization", "plan")
        .order_by("created_at", "id")
        .prefetch_related(
            Prefetch(
                "periods",
                queryset=SignalSubscriptionPeriod.objects.select_related("plan").order_by(
                    "starts_at", "id"
                ),
            )
        )
    )
    return [
        {
            "id": str(s.pk),
            "academy": s.organization.name,
            "plan": s.plan.name,
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "created_at": s.created_at,
            "periods": [
                {
                    "plan": p.plan.name,
                    "amount": p.amount,
                    "currency": p.currency,
                    "starts_at": p.starts_at,
                    "ends_at": p.ends_at,
                    "refunded_at": p.refunded_at,
                    "payment_id": str(p.payment_id),
                }
                for p in s.periods.all()
            ],
        }
        for s in subscriptions
    ]


def trading_accounts_export(*, user) -> dict[str, Any]:
    """The member's MetaTrader accounts with their trades (two queries); never a key or
    its digest (the keys are listed by prefix only)."""
    from django.db.models import Prefetch

    from .models import Trade, TradingAccount, TradingAccountKey

    accounts = (
        TradingAccount.objects.filter(user=user)
        .order_by("created_at", "id")
        .prefetch_related(
            Prefetch("trades", queryset=Trade.objects.order_by("open_time", "ticket")),
            Prefetch("keys", queryset=TradingAccountKey.objects.order_by("created_at", "id")),
        )
    )
    return {
        "accounts": [
            {
                "id": str(a.pk),
                "name": a.name,
                "login": a.login,
                "server": a.server,
                "broker": a.broker,
                "currency": a.currency,
                "balance": a.balance,
                "equity": a.equity,
                "leverage": a.leverage,
                "last_sync_at": a.last_sync_at,
                "created_at": a.created_at,
                "keys": [
                    {
                        "label": k.label,
                        "prefix": k.prefix,
                        "created_at": k.created_at,
                        "revoked_at": k.revoked_at,
                    }
                    for k in a.keys.all()
                ],
                "trades": [
                    {
                        "ticket": t.ticket,
                        "symbol": t.symbol,
                        "side": t.side,
                        "lots": t.lots,
                        "open_time": t.open_time,
                        "close_time": t.close_time,
                        "open_price": t.open_price,
                        "close_price": t.close_price,
                        "sl": t.sl,
                        "tp": t.tp,
                        "commission": t.commission,
                        "swap": t.swap,
                        "profit": t.profit,
                        "comment": t.comment,
                        "magic": t.magic,
                    }
                    for t in a.trades.all()
                ],
            }
            for a in accounts
        ]
    }
