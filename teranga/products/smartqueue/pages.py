"""Web pages: the agents' console (``/smartqueue/console/``) and the waiting-room board
(``/smartqueue/display/<branch id>/``). Plain Django views that serve a page; the pages
talk to the REST API and the WebSockets from external scripts (the CSP allows no inline
script), so the views themselves read nothing private."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from teranga.core.pages import in_page_language
from teranga.platform.organizations.models import Branch, VerificationStatus


def console_strings() -> dict[str, str]:
    """What the console's script writes on the page, in the page's language."""
    return {
        "called": _("Called"),
        "serving": _("Being served"),
        "waiting": _("Waiting"),
        "session_expired": _("Session expired: sign in again."),
        "error": _("Error"),
        "bad_credentials": _("Wrong email or password."),
        "no_counter": _("No counter is open to you."),
        "recall": pgettext("how many times a ticket was called again", "recall"),
        "no_ticket": _("No ticket"),
        "resume": _("Resume"),
        "nobody_waiting": _("Nobody is waiting."),
        "busy": pgettext("a counter an agent already serves at", "busy"),
    }


@require_GET
@in_page_language
def console(request):
    """The agent console: sign in, open a session on a counter, serve tickets."""
    return render(
        request,
        "smartqueue/console.html",
        {"title": _("Agent console"), "strings": console_strings()},
    )


@require_GET
@in_page_language
def display(request, branch_id):
    """The TV board of an active branch of a verified organisation (else 404).
    ``?wo=1`` adds Wolof sub-labels."""
    branch = (
        Branch.objects.select_related("organization")
        .filter(
            pk=branch_id,
            is_active=True,
            organization__verification_status=VerificationStatus.VERIFIED,
        )
        .first()
    )
    if branch is None:
        raise Http404(_("No such branch."))
    return render(
        request,
        "smartqueue/display.html",
        {"branch": branch, "wolof": request.GET.get("wo") == "1"},
    )
