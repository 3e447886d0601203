"""Account writes. Email and phone change through allauth's own flows, not here."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Final

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from teranga.core.errors import ApplicationError, refuse_unknown_fields
from teranga.core.images import image_upload_clean
from teranga.platform.accounts.errors import AccountError
from teranga.platform.accounts.extensions import user_erasers
from teranga.platform.accounts.models import ClientProfile
from teranga.platform.audit.models import AuditAction
from teranga.platform.audit.services import audit_record, audit_user_forget
from teranga.platform.notifications.devices import devices_erase
from teranga.platform.notifications.services import notifications_erase, sms_recipient_erase
from teranga.platform.notifications.telegram import telegram_links_erase


class InvalidPassword(ApplicationError):
    code = AccountError.INVALID_PASSWORD
    default_message = gettext_noop("The password is incorrect.")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


def _delete_file_on_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def user_update(
    *,
    user,
    first_name: str | None = None,
    last_name: str | None = None,
    language: str | None = None,
    privacy_consent: bool | None = None,
    avatar: File | None | _Unset = UNSET,
):
    """Change the profile fields given (``None``/UNSET = leave as it is). ``avatar=None``
    removes the avatar. The replaced avatar file is deleted after commit."""
    user = type(user).objects.select_for_update().get(pk=user.pk)
    fields: list[str] = []
    if first_name is not None:
        user.first_name = first_name
        fields.append("first_name")
    if last_name is not None:
        user.last_name = last_name
        fields.append("last_name")
    if language is not None:
        user.language = language
        fields.append("language")
    if privacy_consent is not None:
        if privacy_consent and user.privacy_consent_at is None:
            user.privacy_consent_at = timezone.now()
        elif not privacy_consent:
            user.privacy_consent_at = None
        fields.append("privacy_consent_at")
    if not isinstance(avatar, _Unset):
        old_name = user.avatar.name if user.avatar else ""
        storage = user.avatar.storage
        if avatar is None:
            user.avatar = None
        else:  # never the uploaded bytes: a clean copy (no trailing data, no metadata)
            image = image_upload_clean(avatar, field="avatar", stem="avatar")
            user.avatar.save(image.name, image, save=False)
        fields.append("avatar")
        _delete_file_on_commit(storage, old_name)
    if fields:
        user.save(update_fields=[*fields, "updated_at"])
    return user


def user_sessions_end(*, user, keep_session_key: str | None = None) -> int:
    """End every session of ``user`` but ``keep_session_key``: the Django sessions (which
    revokes every JWT, since validation is stateful) and the usersessions rows."""
    count = 0
    sessions = UserSession.objects.filter(user=user)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    for user_session in sessions:
        user_session.end()
        count += 1
    return count


def session_end(*, session_key: str) -> None:
    """End one session: its row in the session store (its access and refresh tokens stop
    working) and its usersessions row."""
    for user_session in UserSession.objects.filter(session_key=session_key):
        user_session.end()
    import_module(settings.SESSION_ENGINE).SessionStore().delete(session_key)


@transaction.atomic
def user_erase(*, user, password: str) -> Any:
    """GDPR erasure. Anonymises the account in place (rows other modules keep, such as
    invoices, still point at it), removes emails, MFA, sessions and the avatar, blanks
    the SMS outbox rows sent to the user's phone, and has every registered eraser
    (``extensions.user_erasers``: the products' personal data) remove its own. Needs the
    current password."""
    user = type(user).objects.select_for_update().get(pk=user.pk)
    if not password or not user.check_password(password):
        raise InvalidPassword(
            _("The password is incorrect."),
            fields={"password": [_("The password is incorrect.")]},
        )
    if user.phone:
        sms_recipient_erase(phone=user.phone.as_e164)
    old_avatar = user.avatar.name if user.avatar else ""
    storage = user.avatar.storage
    user.email = f"erased-{user.pk}@erased.invalid"
    user.first_name = ""
    user.last_name = ""
    user.phone = None
    user.phone_verified = False
    user.avatar = None
    user.privacy_consent_at = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.erased_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    ClientProfile.objects.filter(user=user).delete()
    notifications_erase(user=user)
    devices_erase(user=user)
    telegram_links_erase(user=user)
    user_sessions_end(user=user)
    _delete_file_on_commit(storage, old_avatar)
    # What the products keep of the person (``extensions.user_erasers``), in the same
    # transaction: the erasure is whole or nothing.
    for name in user_erasers.names():
        user_erasers.get(name)(user=user)
    # The audit log keeps what happened, not who the person was.
    audit_user_forget(user=user)
    return user


def user_export_record(*, user) -> None:
    """The GDPR export was downloaded: an audit entry (who, from where)."""
    audit_record(
        action=AuditAction.DATA_EXPORTED,
        actor=user,
        subject=user,
        object_type="accounts.user",
        object_id=user.pk,
        summary="Personal data exported (GDPR)",
    )


CLIENT_PROFILE_FIELDS = {
    "address",
    "address_complement",
    "postal_code",
    "city",
    "region",
    "country",
}


@transaction.atomic
def client_profile_update(*, user, **fields: Any) -> ClientProfile:
    """Create or change the user's client profile with the fields given."""
    refuse_unknown_fields(fields, CLIENT_PROFILE_FIELDS)
    profile, _created = ClientProfile.objects.select_for_update().get_or_create(user=user)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    return profile
