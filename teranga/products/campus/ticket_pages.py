"""``/campus/tickets/<code>/``: a ticket as its holder shows it at the entrance — a
light, server-rendered page with the QR code inline, in French, English or Wolof
(``?lang=``, else the browser's language). The code in the address is the bearer's
proof (20 unguessable characters, as on the printed ticket); a code that is unknown, or
void since the ticket was transferred, is 404."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from teranga.core.pages import in_page_language, page_context

from .selectors.tickets import ticket_by_code
from .ticket_documents import ticket_view_context


@require_safe
@in_page_language
def ticket_page(request, code: str):
    ticket = ticket_by_code(code=code)
    if ticket is None:
        raise Http404(_("No such ticket."))
    context = page_context(title=_("Your ticket"), **ticket_view_context(ticket))
    response = render(request, "campus/ticket_page.html", context)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns = [
    path("tickets/<str:code>/", ticket_page, name="campus-ticket-page"),
]
