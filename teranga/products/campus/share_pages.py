"""``/campus/s/<code>/``: a share link's page. It counts the visit, remembers the code
in the signed cookie ``campus_share`` (the app reads it to report a conversion after
paying: ``POST /api/v1/campus/share/<code>/convert/``) and redirects to the event's
link. An expired link answers 410, an unknown one 404."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from teranga.core.errors import Gone, NotFound
from teranga.core.links import object_link

from .services.invitations import share_link_visit

COOKIE = "campus_share"
COOKIE_SALT = "campus.share"


@require_GET
def share_page(request, code):
    try:
        link = share_link_visit(code=code)
    except NotFound:
        raise Http404(_("No such share link.")) from None
    except Gone:
        return HttpResponse(
            _("This share link has expired."), status=410, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponseRedirect(object_link("campus.event", link.event_id))
    max_age = max(int((link.expires_at - timezone.now()).total_seconds()), 60)
    response.set_signed_cookie(
        COOKIE, link.code, salt=COOKIE_SALT, max_age=max_age, httponly=True, samesite="Lax"
    )
    return response


urlpatterns = [path("s/<str:code>/", share_page, name="campus-share-page")]
