"""Routes of the campus API (events), under ``/api/v1/campus/``."""

from django.urls import path

from . import event_views as views
from .recommendation_views import RecommendedEventsView

EVENT = "events/<uuid:event_id>"
ORGANIZATION = "organizations/<uuid:organization_id>"

urlpatterns = [
    path(
        f"{ORGANIZATION}/events/",
        views.OrganizationEventListView.as_view(),
        name="campus-organization-events",
    ),
    path(f"{ORGANIZATION}/series/", views.SeriesCreateView.as_view(), name="campus-series-create"),
    path("series/<uuid:series_id>/", views.SeriesDetailView.as_view(), name="campus-series-detail"),
    path("events/", views.EventListView.as_view(), name="campus-event-list"),
    path("events/popular/", views.PopularEventsView.as_view(), name="campus-event-popular"),
    path("events/nearby/", views.NearbyEventsView.as_view(), name="campus-event-nearby"),
    path(
        "events/recommended/", RecommendedEventsView.as_view(), name="campus-event-recommended"
    ),
    path(f"{EVENT}/", views.EventDetailView.as_view(), name="campus-event-detail"),
    path(f"{EVENT}/manage/", views.EventManageView.as_view(), name="campus-event-manage"),
    path(f"{EVENT}/publish/", views.EventPublishView.as_view(), name="campus-event-publish"),
    path(f"{EVENT}/cover/", views.EventCoverView.as_view(), name="campus-event-cover"),
    path(f"{EVENT}/favourite/", views.FavouriteView.as_view(), name="campus-event-favourite"),
    path("categories/", views.CategoryListView.as_view(), name="campus-categories"),
    path("tags/", views.TagListView.as_view(), name="campus-tags"),
    path("tags/<str:slug>/follow/", views.TagFollowView.as_view(), name="campus-tag-follow"),
    path(
        "organizers/<uuid:organization_id>/follow/",
        views.OrganizerFollowView.as_view(),
        name="campus-organizer-follow",
    ),
    path("me/favourites/", views.MyFavouritesView.as_view(), name="campus-my-favourites"),
    path("me/follows/", views.MyFollowsView.as_view(), name="campus-my-follows"),
    path("me/profile/", views.MyProfileView.as_view(), name="campus-my-profile"),
]
