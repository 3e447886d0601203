"""The OAuth callback page: the provider sends the user back here with ``code`` and
``state`` (or ``error``). It stores the connection and shows a small page, in the
reader's language, that hands over to the app (``teranga.core.links``)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from teranga.core.errors import ApplicationError
from teranga.core.links import app_link, link_kinds
from teranga.core.pages import in_page_language, page_context

from . import services
from .notices import provider_label
from .services.sync import LINK_KIND


@require_safe
@never_cache
@in_page_language
def connect_callback(request, provider: str):
    kind = link_kinds.get(LINK_KIND)
    error = request.GET.get("error", "")
    if error:
        return _page(
            request,
            title=_("Calendar not connected"),
            message=_("Access was not granted. You can try again from the app."),
            app_url=app_link(kind, ""),
            status=400,
        )
    try:
        connection = services.connection_complete(
            provider=provider,
            code=request.GET.get("code", ""),
            state=request.GET.get("state", ""),
        )
    except ApplicationError as exc:
        return _page(
            request,
            title=_("Calendar not connected"),
            message=exc.message,
            app_url=app_link(kind, ""),
            status=exc.status_code,
        )
    return _page(
        request,
        title=_("Calendar connected"),
        message=_(
            "Your bookings will appear in %(provider)s, and the busy times of your calendar "
            "will block your slots."
        )
        % {"provider": provider_label(connection.provider)},
        account=connection.account,
        app_url=app_link(kind, connection.pk),
        status=200,
    )


def _page(request, *, title, message, app_url, status, account=""):
    return render(
        request,
        "calendars/connect_result.html",
        page_context(title=title, message=message, account=account, app_url=app_url),
        status=status,
    )
