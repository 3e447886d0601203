"""allauth adapter: our user model's phone fields, and SMS through the notifications
module's SMS outbox."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.headless.adapter import DefaultHeadlessAdapter
from django.conf import settings
from django.utils.translation import gettext as _

from teranga.core.codes import DIGITS, random_code
from teranga.core.links import public_link
from teranga.core.phones import phone_parse


def six_digit_code() -> str:
    """Codes people type on a phone: six digits, from a CSPRNG."""
    return random_code(length=6, alphabet=DIGITS)


class AccountAdapter(DefaultAccountAdapter):
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
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified", "updated_at"])

    def set_phone_verified(self, user, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str):
        from django.contrib.auth import get_user_model

        return (
            get_user_model()
            .objects.filter(phone=phone, phone_verified=True, is_active=True)
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
