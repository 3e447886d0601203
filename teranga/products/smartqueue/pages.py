"""Web pages: the agents' console (``/smartqueue/console/``) and the waiting-room board
(``/smartqueue/display/<branch id>/``). Plain Django views that serve a page; the pages
talk to the REST API and the WebSockets from external scripts (the CSP allows no inline
script), so the views themselves read nothing private."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from teranga.platform.organizations.models import Branch, VerificationStatus


@require_GET
def console(request):
    """The agent console: sign in, open a session on a counter, serve tickets."""
    return render(request, "smartqueue/console.html", {"title": _("Agent console")})


@require_GET
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
