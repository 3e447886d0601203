"""Account reads: the profile as the API shows it, and the GDPR export."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone

from teranga.core.phones import phone_region
from teranga.platform.accounts.extensions import user_exporters
from teranga.platform.notifications.selectors import sms_messages_to

User = get_user_model()


def user_profile_get(*, user) -> Any:
    """``user`` reloaded with ``email_verified`` and ``mfa_enabled`` annotations (one query)."""
    return (
        User.objects.filter(pk=user.pk)
        .select_related("client_profile", "client_profile__region")
        .annotate(
            email_verified=Exists(
                EmailAddress.objects.filter(
                    user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
                )
            ),
            mfa_enabled=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
            ),
        )
        .get()
    )


def user_export(*, user) -> dict[str, Any]:
    """Everything Teranga's platform holds about ``user``, as plain data (GDPR art. 15/20)."""
    profile = user_profile_get(user=user)
    emails = [
        {"email": a.email, "primary": a.primary, "verified": a.verified}
        for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    ]
    sessions = [
        {
            "ip": s.ip,
            "user_agent": s.user_agent,
            "created_at": s.created_at,
            "last_seen_at": s.last_seen_at,
        }
        for s in UserSession.objects.filter(user=user).order_by("-created_at")
    ]
    mfa_types = sorted(set(Authenticator.objects.filter(user=user).values_list("type", flat=True)))
    sms = []
    if user.phone:
        sms = [
            {
                "to": m.to,
                "body": m.body,
                "purpose": m.purpose,
                "status": m.status,
                "created_at": m.created_at,
                "sent_at": m.sent_at,
            }
            for m in sms_messages_to(phone=user.phone.as_e164)
        ]
    # The accounts linked at Google or Apple: who they are there, never their tokens.
    social = [
        {
            "provider": account.provider,
            "uid": account.uid,
            "email": (account.extra_data or {}).get("email") or None,
            "date_joined": account.date_joined,
            "last_login": account.last_login,
        }
        for account in SocialAccount.objects.filter(user=user).order_by("provider", "uid")
    ]
    # What each app and product keeps of the person (``extensions.user_exporters``).
    products = {name: user_exporters.get(name)(user=user) for name in user_exporters.names()}
    return {
        "exported_at": timezone.now(),
        "profile": profile,
        "emails": emails,
        "sessions": sessions,
        "mfa_types": mfa_types,
        "sms_messages": sms,
        "client_profile": getattr(profile, "client_profile", None),
        "social_accounts": social,
        "products": products,
    }


def client_profile_get(*, user) -> Any:
    """The user's client profile, or an unsaved empty one (nothing is written on read)."""
    from teranga.platform.accounts.models import ClientProfile

    profile = ClientProfile.objects.select_related("region").filter(user=user).first()
    return profile or ClientProfile(user=user)


def phone_region_for(*, user=None, organization=None) -> str:
    """The region a national phone number is read in (``teranga.core.phones``): the
    user's (the country of their client profile, once they have one), else the
    organisation's country, else ``PHONENUMBER_DEFAULT_REGION``."""
    from teranga.platform.accounts.models import ClientProfile

    country = None
    if user is not None and getattr(user, "is_authenticated", False):
        country = (
            ClientProfile.objects.filter(user_id=user.pk).values_list("country", flat=True).first()
        )
    return phone_region(country, getattr(organization, "country", None))
