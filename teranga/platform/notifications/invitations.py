"""The invitation email, through the outbox: ``organizations.invitation``.

Organisations sit below notifications (they cannot call it), so they expose
``invitation_senders`` and this module registers the sender when the app starts. The
sender records a notification addressed to the invited email (which may belong to no
account) in the transaction that creates the invitation; the pipeline delivers it after
commit, retries it with backoff on an SMTP error, and the periodic job recovers it after
a crash. Nothing secret is stored with it: the email's renderers derive the invitation's
token again at delivery time (``invitation_token_for_delivery``), so the link is
rendered anew on every attempt, and an invitation revoked, accepted or expired in the
meantime is skipped instead of being sent.

Language: the account's own language when the invited address has an account, else the
language of the inviter's request (``invitation_create``'s ``language``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from teranga.core.links import local_time_text
from teranga.platform.organizations.extensions import invitation_senders
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.services import (
    invitation_link,
    invitation_token_for_delivery,
)

from .channels import Skip
from .models import Channel
from .services import notification_send
from .types import (
    EMAIL_TEMPLATE,
    PLATFORM_NAME,
    NotificationType,
    SampleContext,
    notification_type_register,
)

INVITATION = "organizations.invitation"
NAME_MAX_LENGTH = 150


def _role(ctx: dict[str, Any]) -> str:
    value = ctx.get("role", "")
    return str(Role(value).label) if value in Role.values else str(value)


def _expires(ctx: dict[str, Any]) -> str:
    try:
        moment = datetime.fromisoformat(str(ctx.get("expires_at", "")))
    except ValueError:
        return ""
    return local_time_text(moment, ctx.get("time_zone") or "Africa/Dakar")


def _title(ctx: dict[str, Any]) -> str:
    return _("Invitation to join %(org)s on Teranga") % {"org": ctx.get("organization", "")}


def _body(ctx: dict[str, Any]) -> str:
    return _('%(inviter)s invites you to join "%(org)s" on Teranga as %(role)s.') % {
        "inviter": ctx.get("inviter", ""),
        "org": ctx.get("organization", ""),
        "role": _role(ctx),
    }


def _link_and_token(ctx: dict[str, Any]) -> tuple[str, str]:
    if isinstance(ctx, SampleContext):  # the staff preview: no invitation behind it
        token = "SAMPLE"
    else:
        token = invitation_token_for_delivery(ctx.get("invitation_id"))
    if token is None:
        raise Skip("the invitation is no longer open")
    return invitation_link(token, language=translation.get_language()), token


def _email_text(ctx: dict[str, Any]) -> str:
    url, token = _link_and_token(ctx)
    return _(
        'Hello,\n\n%(inviter)s invites you to join "%(org)s" on Teranga as %(role)s.'
        "\n\nTo accept, open this link and sign in with the address %(email)s:\n"
        "%(url)s\n\nInvitation code: %(token)s\n\nThis invitation expires on "
        "%(expires)s.\n"
    ) % {
        "inviter": ctx.get("inviter", ""),
        "org": ctx.get("organization", ""),
        "role": _role(ctx),
        "email": ctx.get("email", ""),
        "url": url,
        "token": token,
        "expires": _expires(ctx),
    }


def _email_html(ctx: dict[str, Any]) -> str:
    url, _token = _link_and_token(ctx)
    text = _email_text(ctx)
    return render_to_string(
        EMAIL_TEMPLATE,
        {
            "title": _title(ctx),
            "paragraphs": [p for p in text.split("\n") if p.strip() and p.strip() != url],
            "url": url,
            "button": pgettext("email button", "Open"),
            "sender": ctx.get("organization") or PLATFORM_NAME,
            "platform": PLATFORM_NAME,
            "footer": _(
                "You receive this email because %(inviter)s invited this address to "
                "%(platform)s. If you do not know them, ignore it."
            )
            % {"inviter": ctx.get("inviter", ""), "platform": PLATFORM_NAME},
        },
    )


INVITATION_TYPE = notification_type_register(
    NotificationType(
        name=INVITATION,
        channels=(Channel.EMAIL,),
        title=_title,
        body=_body,
        email_text=_email_text,
        email_html=_email_html,
        # Sent to an address, not to an account's preferences; nothing to turn off.
        urgent=True,
        label=gettext_lazy("Invitations to join an organisation"),
        sample={
            "organization": "Salon Awa",
            "inviter": "Awa Diop",
            "role": Role.AGENT,
            "email": "moussa@example.com",
            "expires_at": "2026-03-09T10:00:00+00:00",
            "time_zone": "Africa/Dakar",
        },
    )
)


def invitation_email_record(*, invitation, language: str) -> None:
    """Record the invitation's email in the outbox (the caller's transaction): to the
    invited address, in its account's language if it has one, else in ``language``."""
    account = (
        get_user_model()
        .objects.filter(email__iexact=invitation.email, is_active=True)
        .only("language")
        .first()
    )
    inviter = invitation.invited_by
    inviter_name = ""
    if inviter is not None:
        inviter_name = inviter.get_full_name() or inviter.email
    notification_send(
        recipient=None,
        email=invitation.email,
        language=(account.language if account is not None else "") or language,
        kind=INVITATION,
        context={
            "invitation_id": str(invitation.pk),
            "organization": invitation.organization.name[:NAME_MAX_LENGTH],
            "inviter": (inviter_name or PLATFORM_NAME)[:NAME_MAX_LENGTH],
            "role": invitation.role,
            "email": invitation.email,
            "expires_at": invitation.expires_at,
            "time_zone": invitation.organization.time_zone,
        },
        idempotency_key=f"{INVITATION}:{invitation.pk}",
    )


invitation_senders.register("notifications.outbox", invitation_email_record, origin="notifications")
