"""allauth adapter: our user model's phone fields, and SMS through the notifications
module's SMS outbox."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.headless.adapter import DefaultHeadlessAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from teranga.core.client_address import client_address
from teranga.core.codes import DIGITS, random_code
from teranga.core.encryption import phone_hash
from teranga.core.links import public_link
from teranga.core.phones import phone_parse
from teranga.platform.accounts.known_devices import (
    known_device_attach,
    known_device_id,
    presented_token,
)

#: allauth's rate limits are read from ``allauth.account.app_settings.RATE_LIMITS``
#: (``ACCOUNT_RATE_LIMITS``).
_APP = "allauth.account"


def six_digit_code() -> str:
    """Codes people type on a phone: six digits, from a CSPRNG."""
    return random_code(length=6, alphabet=DIGITS)


class AccountAdapter(DefaultAccountAdapter):
    # --- client address and login limits (ACCOUNT_RATE_LIMITS in settings) ----------

    def get_client_ip(self, request) -> str:
        """One rule for every reader (teranga.core.client_address): allauth's rate limits
        and user sessions see the address our trusted proxies forwarded, never one a
        client wrote in ``X-Forwarded-For``."""
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def _login_limits(self, request, **credentials) -> list[tuple[str, str | None]]:
        """The (action, key) budgets one failed login spends.

        - ``login_failed``: per (address, account), or per (known device, account);
        - ``login_failed_account``: per account across addresses (known device exempt);
        - ``login_failed_address``: one address's failures over all accounts (known
          device exempt), sized for a carrier-NAT address.
        """
        account = self._get_login_attempts_cache_key(request, **credentials)
        device = None
        login = credentials.get("email")
        if login and presented_token(request):
            from allauth.account.utils import filter_users_by_email

            device = known_device_id(request, users=filter_users_by_email(login, is_active=True))
        if device:
            return [("login_failed", f"device:{device}|{account}")]
        address = ratelimit.truncate_ip(self.get_client_ip(request))
        return [
            ("login_failed", f"address:{address}|{account}"),
            ("login_failed_account", account),
            ("login_failed_address", None),
        ]

    def pre_authenticate(self, request, **credentials) -> None:
        """allauth's check before a password is tried, with our budgets. Each attempt
        spends one unit of each; allauth's ``authenticate`` gives them back when the
        password was right, so only failures count."""
        spent: list = []
        for action, key in self._login_limits(request, **credentials):
            usage = ratelimit.consume(request, app=_APP, action=action, key=key)
            if not usage:
                ratelimit.RateLimitUsage(usage=spent).rollback()
                self._login_failed_rl_usage = None
                raise self.validation_error("too_many_login_attempts")
            spent.extend(usage.usage)
        self._login_failed_rl_usage = ratelimit.RateLimitUsage(usage=spent)

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        """After a password reset, the account's failures are forgotten (allauth calls
        this; its own version clears a key we do not use)."""
        account = self._get_login_attempts_cache_key(request, **credentials)
        ratelimit.clear(request, app=_APP, action="login_failed_account", key=account)
        address = ratelimit.truncate_ip(self.get_client_ip(request))
        ratelimit.clear(
            request, app=_APP, action="login_failed", key=f"address:{address}|{account}"
        )

    def post_login(self, request, user, **kwargs):
        """allauth's answer to a completed login, carrying a known-device token."""
        response = super().post_login(request, user, **kwargs)
        if user.is_authenticated:
            known_device_attach(response, request=request, user=user)
        return response

    # --- codes, phones ----------------------------------------------------------------

    def generate_email_verification_code(self) -> str:
        return six_digit_code()

    def generate_password_reset_code(self) -> str:
        return six_digit_code()

    def generate_phone_verification_code(self, *, user, phone: str) -> str:
        return six_digit_code()

    def phone_form_field(self, **kwargs):
        """allauth's field, without its E.164-only check: a national number is read in
        the user's region by :meth:`clean_phone` ("775475688" in Senegal)."""
        from allauth.account.fields import PhoneField

        kwargs.setdefault("validators", [])
        return PhoneField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        """``phone`` as E.164, read in the region of the user making the request (their
        client profile's country, else the default region SN)."""
        from teranga.platform.accounts.selectors import phone_region_for

        number = phone_parse(
            phone, region=phone_region_for(user=getattr(self.request, "user", None))
        )
        if number is None:
            from django import forms

            raise forms.ValidationError(_("Enter a valid phone number."), code="invalid_phone")
        return number

    def get_phone(self, user):
        if not user.phone:
            return None
        return str(user.phone), user.phone_verified

    def set_phone(self, user, phone: str, verified: bool) -> None:
        from teranga.platform.audit.models import AuditAction
        from teranga.platform.audit.services import audit_record, mask_phone

        before = {"phone": mask_phone(user.phone), "verified": bool(user.phone_verified)}
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_hash", "phone_verified", "updated_at"])
        after = {"phone": mask_phone(user.phone), "verified": bool(verified)}
        if before != after:
            changed = before["phone"] != after["phone"]
            audit_record(
                action=AuditAction.PHONE_CHANGED,
                actor=user,
                subject=user,
                object_type="accounts.user",
                object_id=user.pk,
                summary="Phone number changed" if changed else "Phone number verified",
                before=before,
                after=after,
                request=self.request,
            )

    def set_phone_verified(self, user, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str):
        from django.contrib.auth import get_user_model

        return (
            get_user_model()
            .objects.filter(phone_hash=phone_hash(phone), phone_verified=True, is_active=True)
            .order_by("date_joined")
            .first()
        )

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        from teranga.platform.notifications.services import sms_send

        sms_send(
            to=phone,
            body=_("Teranga: your verification code is %(code)s") % {"code": code},
            purpose="phone_verification",
        )

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        from teranga.platform.notifications.services import sms_send

        sms_send(
            to=phone,
            body=_("Teranga: no account uses this number."),
            purpose="unknown_account",
        )

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails leave the request: queued here (after commit), rendered and
        sent by a task in the recipient's language (``teranga.platform.accounts.mail``)."""
        from teranga.platform.accounts.mail import account_mail_queue

        account_mail_queue(template_prefix=template_prefix, email=email, context=context)


#: allauth's frontend URL names -> the app's path (our page ``/account/<path>/``).
ACCOUNT_PAGES = {
    "account_confirm_email": "verify-email/{key}",
    "account_reset_password": "password/reset",
    "account_reset_password_from_key": "password/reset/{key}",
    "account_signup": "signup",
    "socialaccount_login_error": "login/error",
}


class HeadlessAdapter(DefaultHeadlessAdapter):
    """The links in allauth's emails (verify an address, reset a password, sign up) are
    built like every other link (``teranga.core.links``): our page ``/account/<path>/``,
    which hands over to the app. An operator's ``FRONTEND_URL_*`` wins when set."""

    def get_frontend_url(self, urlname: str, **kwargs) -> str | None:
        if urlname in settings.HEADLESS_FRONTEND_URLS:
            return super().get_frontend_url(urlname, **kwargs)
        path = ACCOUNT_PAGES.get(urlname)
        if path is None:
            return None
        return public_link(f"/account/{path.format(**kwargs)}/")
