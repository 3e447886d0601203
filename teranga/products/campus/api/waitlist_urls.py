"""Routes of the campus API (waiting list)."""

from django.urls import path

from . import waitlist_views as views

urlpatterns = [
    path(
        "events/<str:event_id>/waiting-list/",
        views.EventWaitlistView.as_view(),
        name="campus-event-waitlist",
    ),
    path("me/waiting-list/", views.MyWaitlistView.as_view(), name="campus-my-waitlist"),
    path(
        "waiting-list/<str:entry_id>/",
        views.WaitlistEntryView.as_view(),
        name="campus-waitlist-entry",
    ),
    path(
        "waiting-list/<str:entry_id>/accept/",
        views.WaitlistAcceptView.as_view(),
        name="campus-waitlist-accept",
    ),
]
