"""What the accounts app writes to the audit log (``teranga.platform.audit``).

allauth runs the sign-in, password, email and MFA flows and announces each step with a
signal; these receivers turn them into audit entries, inside the flow's own work (a
receiver that fails fails the request). Passwords, codes and TOTP secrets are never
written: an entry says which authenticator type changed, never its data. The phone is
logged by the adapter (``AccountAdapter.set_phone``), which is where allauth changes it.
"""

from __future__ import annotations

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.socialaccount import signals as social_signals
from django.contrib.auth.signals import user_login_failed

from teranga.platform.audit.models import AuditAction
from teranga.platform.audit.services import audit_record, audit_sign_in_failed

USER = "accounts.user"
EMAIL = "accounts.email"
AUTHENTICATOR = "mfa.authenticator"
SOCIAL_ACCOUNT = "socialaccount.account"


def on_logged_in(sender, *, request, user, **kwargs) -> None:
    audit_record(
        action=AuditAction.SIGN_IN,
        actor=user,
        subject=user,
        object_type=USER,
        object_id=user.pk,
        summary="Signed in",
        request=request,
    )


def on_login_failed(sender, *, credentials=None, request=None, **kwargs) -> None:
    from allauth.account.utils import filter_users_by_email

    credentials = credentials or {}
    # allauth passes the email; Django's admin login form, the username (our email).
    login = str(credentials.get("email") or credentials.get("username") or "")
    user = filter_users_by_email(login, is_active=True)[:1] if login else []
    audit_sign_in_failed(request=request, user=user[0] if user else None, reason="password")


def on_mfa_failed(sender, *, request=None, user=None, **kwargs) -> None:
    if kwargs.get("reauthentication"):
        return
    audit_sign_in_failed(request=request, user=user, reason="mfa")


def _password(action: AuditAction, summary: str):
    def receiver(sender, *, request, user, **kwargs) -> None:
        audit_record(
            action=action,
            actor=user if getattr(request, "user", None) == user else None,
            subject=user,
            object_type=USER,
            object_id=user.pk,
            summary=summary,
            request=request,
        )

    return receiver


on_password_changed = _password(AuditAction.PASSWORD_CHANGED, "Password changed")
on_password_set = _password(AuditAction.PASSWORD_CHANGED, "Password set")
on_password_reset = _password(AuditAction.PASSWORD_RESET, "Password reset by code")


def _email(address) -> dict:
    return {"email": address.email, "verified": address.verified, "primary": address.primary}


def on_email_added(sender, *, request, user, email_address, **kwargs) -> None:
    audit_record(
        action=AuditAction.EMAIL_ADDED,
        actor=user,
        subject=user,
        object_type=EMAIL,
        object_id=email_address.pk,
        summary="Email address added",
        after=_email(email_address),
        request=request,
    )


def on_email_removed(sender, *, request, user, email_address, **kwargs) -> None:
    audit_record(
        action=AuditAction.EMAIL_REMOVED,
        actor=user,
        subject=user,
        object_type=EMAIL,
        object_id=email_address.pk,
        summary="Email address removed",
        before=_email(email_address),
        request=request,
    )


def on_email_changed(
    sender, *, request, user, from_email_address, to_email_address, **kwargs
) -> None:
    audit_record(
        action=AuditAction.EMAIL_CHANGED,
        actor=user,
        subject=user,
        object_type=USER,
        object_id=user.pk,
        summary="Primary email address changed",
        before={"email": from_email_address.email if from_email_address else None},
        after={"email": to_email_address.email},
        request=request,
    )


def on_email_confirmed(sender, *, request, email_address, **kwargs) -> None:
    user = email_address.user
    audit_record(
        action=AuditAction.EMAIL_VERIFIED,
        actor=user,
        subject=user,
        object_type=EMAIL,
        object_id=email_address.pk,
        summary="Email address verified",
        after={"email": email_address.email, "verified": True},
        request=request,
    )


def _social(account) -> dict:
    """Which provider and which account there; never its tokens."""
    return {"provider": account.provider, "uid": account.uid}


def on_social_account_added(sender, *, request, sociallogin, **kwargs) -> None:
    account = sociallogin.account
    audit_record(
        action=AuditAction.SOCIAL_CONNECTED,
        actor=account.user,
        subject=account.user,
        object_type=SOCIAL_ACCOUNT,
        object_id=account.pk,
        summary="Social account connected",
        after=_social(account),
        request=request,
    )


def on_social_account_removed(sender, *, request, socialaccount, **kwargs) -> None:
    audit_record(
        action=AuditAction.SOCIAL_DISCONNECTED,
        actor=socialaccount.user,
        subject=socialaccount.user,
        object_type=SOCIAL_ACCOUNT,
        object_id=socialaccount.pk,
        summary="Social account disconnected",
        before=_social(socialaccount),
        request=request,
    )


def _authenticator(action: AuditAction, summary: str, *, removed: bool = False):
    def receiver(sender, *, request, user, authenticator, **kwargs) -> None:
        values = {"type": authenticator.type}
        audit_record(
            action=action,
            actor=user,
            subject=user,
            object_type=AUTHENTICATOR,
            object_id=authenticator.pk,
            summary=summary,
            before=values if removed else None,
            after=None if removed else values,
            request=request,
        )

    return receiver


on_authenticator_added = _authenticator(AuditAction.MFA_ADDED, "Authenticator added")
on_authenticator_removed = _authenticator(
    AuditAction.MFA_REMOVED, "Authenticator removed", removed=True
)
on_authenticator_reset = _authenticator(
    AuditAction.MFA_RECOVERY_CODES_RESET, "Recovery codes regenerated"
)


def connect() -> None:
    """Called once from ``AccountsConfig.ready``."""
    pairs = [
        (account_signals.user_logged_in, on_logged_in),
        (user_login_failed, on_login_failed),
        (mfa_signals.authentication_failed, on_mfa_failed),
        (account_signals.password_changed, on_password_changed),
        (account_signals.password_set, on_password_set),
        (account_signals.password_reset, on_password_reset),
        (account_signals.email_added, on_email_added),
        (account_signals.email_removed, on_email_removed),
        (account_signals.email_changed, on_email_changed),
        (account_signals.email_confirmed, on_email_confirmed),
        (mfa_signals.authenticator_added, on_authenticator_added),
        (mfa_signals.authenticator_removed, on_authenticator_removed),
        (mfa_signals.authenticator_reset, on_authenticator_reset),
        (social_signals.social_account_added, on_social_account_added),
        (social_signals.social_account_removed, on_social_account_removed),
    ]
    for number, (signal, receiver) in enumerate(pairs):
        signal.connect(receiver, dispatch_uid=f"teranga.audit.accounts.{number}")
