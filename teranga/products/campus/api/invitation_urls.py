"""Routes of the campus API (event invitations and share links)."""

from django.urls import path

from . import invitation_views as views

urlpatterns = [
    path(
        "events/<str:event_id>/invitations/",
        views.EventInvitationsView.as_view(),
        name="campus-event-invitations",
    ),
    path("me/invitations/", views.MyInvitationsView.as_view(), name="campus-my-invitations"),
    path(
        "invitations/<str:code>/accept/",
        views.InvitationAcceptView.as_view(),
        name="campus-invitation-accept",
    ),
    path(
        "invitations/<str:code>/decline/",
        views.InvitationDeclineView.as_view(),
        name="campus-invitation-decline",
    ),
    path("events/<str:event_id>/share/", views.ShareCreateView.as_view(), name="campus-share"),
    path(
        "events/<str:event_id>/share-links/",
        views.EventShareLinksView.as_view(),
        name="campus-share-links",
    ),
    path(
        "share/<str:code>/convert/",
        views.ShareConvertView.as_view(),
        name="campus-share-convert",
    ),
]
