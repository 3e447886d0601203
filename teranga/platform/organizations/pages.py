"""The page an invitation link opens (``/invitations/<token>/``): what the invitation
is, a button that hands over to the app, and, for someone signed in on this browser with
the invited address, an accept button. The API's ``POST /api/v1/invitations/<token>/
accept/`` stays the app's way; both go through ``services.invitation_accept``."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import formats
from django.views.decorators.http import require_http_methods

from teranga.core.errors import ApplicationError
from teranga.core.pages import in_page_language, page_context

from . import services
from .models import Role


@require_http_methods(["GET", "HEAD", "POST"])
@in_page_language
def invitation_page(request, token: str):
    invitation = services.invitation_selected(token)
    user = request.user if request.user.is_authenticated else None
    accepted = False
    error = ""
    if request.method == "POST" and invitation is not None and user is not None:
        try:
            services.invitation_accept(user=user, token=token)
            accepted = True
        except ApplicationError as refused:
            error = refused.message
    can_accept = bool(
        invitation is not None
        and not accepted
        and user is not None
        and (user.email or "").lower() == invitation.email.lower()
    )
    scheme = settings.TERANGA.get("APP_LINK_SCHEME") or "teranga"
    context = page_context(
        invitation=invitation,
        role=Role(invitation.role).label if invitation else "",
        expires=formats.date_format(invitation.expires_at, "DATETIME_FORMAT") if invitation else "",
        accepted=accepted,
        error=error,
        can_accept=can_accept,
        app_url=f"{scheme}://invitations/{token}",
    )
    status = 200 if invitation is not None else 404
    return render(request, "organizations/invitation.html", context, status=status)
