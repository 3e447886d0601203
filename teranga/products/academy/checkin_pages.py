"""``/academy/checkin/<token>/``: the page a member's check-in link opens. It shows the
session (formation, time, where it takes place) and a button; pressing it (a POST with
the page's CSRF token) records the member present — the signed token is the member's
proof, so no sign-in is needed, and opening the page alone records nothing (mail
scanners open links). The app posts the same token to ``POST /api/v1/academy/checkin/``.
Both go through ``services.attendance.attendance_check_in``."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods

from teranga.core.errors import ApplicationError
from teranga.core.links import local_time_text
from teranga.core.pages import in_page_language, page_context

from .services.attendance import attendance_check_in, checkin_target


@require_http_methods(["GET", "HEAD", "POST"])
@in_page_language
def checkin_page(request, token: str):
    try:
        session, _user_id = checkin_target(token)
    except ApplicationError:
        return render(request, "academy/checkin.html", page_context(session=None), status=404)
    checked_in = False
    error = ""
    if request.method == "POST":
        try:
            attendance_check_in(token=token)
            checked_in = True
        except ApplicationError as refused:
            error = refused.message
    formation = session.formation
    context = page_context(
        session=session,
        formation=formation,
        when=local_time_text(session.starts_at, formation.organization.time_zone),
        checked_in=checked_in,
        error=error,
    )
    return render(request, "academy/checkin.html", context, status=409 if error else 200)


urlpatterns = [path("checkin/<str:token>/", checkin_page, name="academy-checkin-page")]
