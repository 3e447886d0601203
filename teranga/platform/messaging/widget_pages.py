"""The support widget page ``/support/widget/<organisation>/`` (seed 004), served by
Teranga and framed by any website through the loader ``messaging/support-widget.js``.

It shows the organisation's external channels (WhatsApp, Telegram, Discord, email),
its business hours and whether the desk is open now, and the live chat: the visitor
signs in through allauth's app API (``core/app-session.js``), then the page's script
(``messaging/support-widget-frame.js``) opens or continues their support conversation
through the support endpoints, polls for replies, and tells the framing page its unread
count (``postMessage`` to the origin the loader named, checked on both sides).

Only this page may be framed: it answers ``Content-Security-Policy: frame-ancestors *``
and no ``X-Frame-Options``. An unknown organisation, or one without an enabled support
desk, is 404. French, English or Wolof by ``?lang=`` or Accept-Language.
"""

from __future__ import annotations

from datetime import date, timedelta

from csp.decorators import csp_replace
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from teranga.core.errors import NotFound
from teranga.core.limits import MESSAGE_MAX_LENGTH
from teranga.core.links import local_time_text
from teranga.core.pages import in_page_language, page_context

from .services.support import support_organization
from .support import hours_on, next_opening, widget_config

#: How often the page asks for new messages and the unread count, in seconds.
POLL_SECONDS = 5
WEEKDAYS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
CHANNEL_NAMES = {
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "discord": "Discord",
    "email": gettext_lazy("Email"),
}


def widget_strings() -> dict[str, str]:
    """What the page's script writes, in the page's language."""
    return {
        "bad_credentials": _("Wrong email or password."),
        "session_expired": _("Session expired: sign in again."),
        "error": _("Error"),
        "you": _("You"),
        "automatic_reply": _("Automatic reply"),
        "empty": _("No messages yet: write us your question."),
        "support": _("Support"),
        "open_chat": _("Open the support chat"),
        "close_chat": _("Close the support chat"),
        "unread": _("Unread messages"),
    }


def week_rows(hours: list[dict], today) -> list[dict]:
    """Monday to Sunday: each day's intervals as text ("09:00–18:00"), today marked."""
    monday = today - timedelta(days=today.weekday())
    rows = []
    for offset, name in enumerate(WEEKDAYS):
        day = monday + timedelta(days=offset)
        intervals = [f"{i['opens']}–{i['closes']}" for i in hours_on(hours, day)]
        rows.append({"name": name, "intervals": intervals, "today": day == today})
    return rows


def widget_context(organization, support, *, logo_url: str | None) -> dict:
    config = widget_config(organization, support, logo_url=logo_url)
    hours = config["business_hours"]
    opening = next_opening(hours, organization.time_zone)
    today = date.fromisoformat(config["today"])
    return page_context(
        title=_("Support"),
        organization=organization,
        config=config,
        channels=[
            {**channel, "name": CHANNEL_NAMES.get(channel["type"], channel["type"])}
            for channel in config["channels"]
        ],
        week=week_rows(hours, today) if hours else [],
        message_max_length=MESSAGE_MAX_LENGTH,
        next_opening=local_time_text(opening, organization.time_zone) if opening else "",
        script_data={
            "organization": config["organization"]["id"],
            "colors": config["colors"],
            "poll_seconds": POLL_SECONDS,
            "strings": widget_strings(),
        },
    )


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@in_page_language
def support_widget_page(request, organization: str):
    try:
        found, support = support_organization(organization)
    except NotFound:
        raise Http404 from None
    logo = request.build_absolute_uri(found.logo.url) if found.logo else None
    response = render(
        request, "messaging/support_widget.html", widget_context(found, support, logo_url=logo)
    )
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("widget/<str:organization>/", support_widget_page, name="support-widget-page"),
]
