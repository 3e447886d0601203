"""Events of Campus: the organiser's side (create, change, publish, delete, cover,
series), the public side (list, popular, nearby, one event, categories, tags) and the
student's (favourites, follows, profile).

Who may do what:

* the organiser's managers and above (``campus.events.manage``) write; its agents and
  above, and staff, read every event of it, drafts included (``campus.events.view``).
  Another organisation's event answers 404, a member with a lower role 403, no token
  401;
* anyone, signed in or not, reads what ``selectors.access.visible_events`` allows:
  published public events, "university only" ones to that university's students, "invite
  only" ones to their ticket holders and the organiser's members. Drafts never;
* a signed-in student favourites, follows and edits their profile.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.pagination import CursorPagination, PageNumberPagination, PaginatedViewMixin
from teranga.core.public_cache import PublicCacheMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query
from teranga.platform.organizations.errors import OrganizationError

from ..errors import CampusError
from ..public_cache import CATEGORIES, EVENTS
from ..selectors import events as selectors
from ..selectors import nearby as nearby_selectors
from ..services import engagement, profiles
from ..services import events as services
from ..services import series as series_services
from . import event_serializers as s

TAG = ["campus events"]
ME_TAG = ["campus me"]

ORG_ID = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
EVENT_ID = OpenApiParameter("event_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
SERIES_ID = OpenApiParameter("series_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
TAG_SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH)

ORG_NOT_FOUND = [OrganizationError.ORGANIZATION_NOT_FOUND]
EVENT_NOT_FOUND = [CampusError.EVENT_NOT_FOUND]
EVENT_WRITE_400 = [
    CampusError.EVENT_INVALID_DATES,
    CampusError.TOO_MANY_TAGS,
    CampusError.CONTENT_BLOCKED,
    CoreError.INVALID,
]
#: What every description of an event write says of moderation.
MODERATION_NOTE = (
    " The title and description pass the moderation checks: a blocked text is refused "
    "(400 `content_blocked`, with the field's error; the attempt is logged), a flagged "
    "one is saved and opens a case in the moderation queue (`/api/v1/moderation/cases/`)."
)


class EventView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    serializer_class = s.CampusEventSerializer

    def staff_event(self, event_id, action=selectors.EVENTS_MANAGE):
        return selectors.event_for_manager(user=self.request.user, event_id=event_id, action=action)

    def managed_response(self, event_id, status_code=status.HTTP_200_OK) -> Response:
        event = selectors.event_for_manager(
            user=self.request.user, event_id=event_id, action=selectors.EVENTS_VIEW
        )
        return Response(
            s.CampusManagedEventSerializer(event, context={"request": self.request}).data,
            status=status_code,
        )


class PublicReadMixin:
    """GET is open to anonymous callers; every other method needs a token."""

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD"):
            return [AllowAny()]
        return super().get_permissions()


# --- The organiser's side ------------------------------------------------------------------


class OrganizationEventListView(EventView):
    serializer_class = s.CampusManagedEventSerializer

    @extend_schema(
        tags=TAG,
        summary="Events of an organiser (agents and above, staff)",
        description="Every event of the university or club, drafts included, by start. "
        "Filters: `status`, `starts_after`, `starts_before`, `series`. 400 "
        "`organizer_kind_not_supported` for an organisation that is neither a university "
        "nor a club.",
        parameters=[ORG_ID, s.OrganizationEventQuerySerializer],
        responses={200: s.CampusManagedEventSerializer(many=True)},
        extensions=error_codes(
            {400: [CampusError.ORGANIZER_KIND_NOT_SUPPORTED], 404: ORG_NOT_FOUND}
        ),
    )
    def get(self, request, organization_id):
        organization = selectors.organizer_for(
            user=request.user, organization_id=organization_id, action=selectors.EVENTS_VIEW
        )
        query = validated_query(s.OrganizationEventQuerySerializer, request).validated_data
        events = selectors.organization_events(
            organization=organization,
            status=query.get("status"),
            starts_after=query.get("starts_after"),
            starts_before=query.get("starts_before"),
            series_id=query.get("series"),
        )
        return self.paginated(events, s.CampusManagedEventSerializer)

    @extend_schema(
        tags=TAG,
        summary="Create an event (managers and above)",
        description="A draft of the university or club (400 `organizer_kind_not_supported` "
        "otherwise), in the organisation's time zone, belonging to its university (itself, "
        "or the university of the club). `starts_at`/`ends_at` with their UTC offset, the "
        "end after the start (400 `event_invalid_dates`). Venue: `branch` (one of the "
        "organiser's active branches: 404 `venue_not_found`; its address and coordinates "
        "are copied unless given) or a free `address` with `latitude` and `longitude` "
        "(both or neither). The cover is uploaded with `POST events/{id}/cover/`; publish "
        "with `POST events/{id}/publish/`." + MODERATION_NOTE,
        parameters=[ORG_ID],
        request=s.CampusEventCreateSerializer,
        responses={201: s.CampusManagedEventSerializer},
        extensions=error_codes(
            {
                400: [*EVENT_WRITE_400, CampusError.ORGANIZER_KIND_NOT_SUPPORTED],
                404: [*ORG_NOT_FOUND, CampusError.VENUE_NOT_FOUND],
            }
        ),
    )
    def post(self, request, organization_id):
        organization = selectors.organizer_for(
            user=request.user, organization_id=organization_id, action=selectors.EVENTS_MANAGE
        )
        serializer = s.CampusEventCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.event_create(
            organization=organization, user=request.user, **serializer.validated_data
        )
        return self.managed_response(event.pk, status.HTTP_201_CREATED)


class EventManageView(EventView):
    serializer_class = s.CampusManagedEventSerializer

    @extend_schema(
        tags=TAG,
        summary="One event, as its organiser sees it (agents and above, staff)",
        description="Drafts included, with `taken` (seats held or sold).",
        parameters=[EVENT_ID],
        responses={200: s.CampusManagedEventSerializer},
        extensions=error_codes({404: EVENT_NOT_FOUND}),
    )
    def get(self, request, event_id):
        return self.managed_response(event_id)

    @extend_schema(
        tags=TAG,
        summary="Change an event (managers and above)",
        description="Any field of the creation; only this event (another date of its "
        "series is left alone). `tags` replaces the explicit tags; hashtags of a new "
        "`description` are added. A cancelled or finished event cannot change (409 "
        "`event_not_editable`). Status changes go through publish (and the tickets "
        "part's cancel)." + MODERATION_NOTE + " They are checked again when `title`, "
        "`description` or `visibility` change.",
        parameters=[EVENT_ID],
        request=s.CampusEventUpdateSerializer,
        responses={200: s.CampusManagedEventSerializer},
        extensions=error_codes(
            {
                400: EVENT_WRITE_400,
                404: [*EVENT_NOT_FOUND, CampusError.VENUE_NOT_FOUND],
                409: [CampusError.EVENT_NOT_EDITABLE],
            }
        ),
    )
    def patch(self, request, event_id):
        event = self.staff_event(event_id)
        serializer = s.CampusEventUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.event_update(
            organization=event.organization,
            event_id=event.pk,
            user=request.user,
            **serializer.validated_data,
        )
        return self.managed_response(event.pk)

    @extend_schema(
        tags=TAG,
        summary="Delete a draft event (managers and above)",
        description="Only a draft without any order (409 `event_not_draft`, "
        "`event_has_orders`); a published event is cancelled instead "
        "(`POST events/{id}/cancel/`, which refunds its tickets).",
        parameters=[EVENT_ID],
        responses={204: None},
        extensions=error_codes(
            {
                404: EVENT_NOT_FOUND,
                409: [CampusError.EVENT_NOT_DRAFT, CampusError.EVENT_HAS_ORDERS, CoreError.IN_USE],
            }
        ),
    )
    def delete(self, request, event_id):
        event = self.staff_event(event_id)
        services.event_delete(organization=event.organization, event_id=event.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EventPublishView(EventView):
    serializer_class = s.CampusManagedEventSerializer

    @extend_schema(
        tags=TAG,
        summary="Publish an event (managers and above)",
        description="A draft becomes visible to its audience; publishing a published "
        "event changes nothing. 409 `event_not_editable` once cancelled or finished, "
        "`event_started` once its start has passed. The title and description are "
        "checked again: a blocked text leaves the draft unpublished (400 "
        "`content_blocked`), a flagged one is published and opens a moderation case.",
        parameters=[EVENT_ID],
        request=None,
        responses={200: s.CampusManagedEventSerializer},
        extensions=error_codes(
            {
                400: [CampusError.CONTENT_BLOCKED],
                404: EVENT_NOT_FOUND,
                409: [CampusError.EVENT_NOT_EDITABLE, CampusError.EVENT_STARTED],
            }
        ),
    )
    def post(self, request, event_id):
        event = self.staff_event(event_id)
        services.event_publish(
            organization=event.organization, event_id=event.pk, user=request.user
        )
        return self.managed_response(event.pk)


class EventCoverView(EventView):
    serializer_class = s.CampusManagedEventSerializer
    parser_classes = [MultiPartParser]  # an upload endpoint: multipart/form-data only

    @extend_schema(
        tags=TAG,
        summary="Upload the cover image of an event (managers and above)",
        description="multipart/form-data with `cover`, checked by its content and stored "
        "re-encoded without metadata (400 `invalid_image`); replaces the previous cover.",
        parameters=[EVENT_ID],
        request={"multipart/form-data": s.CampusCoverUploadSerializer},
        responses={200: s.CampusManagedEventSerializer},
        extensions=error_codes(
            {
                400: [CampusError.INVALID_IMAGE, CoreError.INVALID],
                404: EVENT_NOT_FOUND,
                409: [CampusError.EVENT_NOT_EDITABLE],
            }
        ),
    )
    def post(self, request, event_id):
        event = self.staff_event(event_id)
        serializer = s.CampusCoverUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.event_cover_set(
            organization=event.organization,
            event_id=event.pk,
            image=serializer.validated_data["cover"],
        )
        return self.managed_response(event.pk)


# --- Series --------------------------------------------------------------------------------


class SeriesResponseMixin:
    serializer_class = s.CampusSeriesSerializer

    def series_response(self, series_id, status_code=status.HTTP_200_OK) -> Response:
        series, events = selectors.series_detail(user=self.request.user, series_id=series_id)
        context = {"request": self.request, "events": events}
        return Response(s.CampusSeriesSerializer(series, context=context).data, status=status_code)


class SeriesCreateView(SeriesResponseMixin, EventView):
    @extend_schema(
        tags=TAG,
        summary="Create a series of events (managers and above)",
        description="Weekly dates: every `weekdays` day from `first_date` to `last_date`, "
        "at `start_time` in the organiser's time zone (kept across daylight-saving "
        "changes), for `duration_minutes`. Each date is an event of its own made from the "
        "template fields (those of an event, without `starts_at`/`ends_at`), with its own "
        "ticket types and check-in: create the ticket types per date. At most 60 dates "
        "(400 `series_too_many_dates`); none between the dates (or none still to come "
        "with `publish`) is 400 `series_no_dates`. `copy_ticket_types_from` copies an "
        "event's ticket types onto every date." + MODERATION_NOTE + " A flagged "
        "template opens a case for every date.",
        parameters=[ORG_ID],
        request=s.CampusSeriesCreateSerializer,
        responses={201: s.CampusSeriesSerializer},
        extensions=error_codes(
            {
                400: [
                    *EVENT_WRITE_400,
                    CampusError.ORGANIZER_KIND_NOT_SUPPORTED,
                    CampusError.SERIES_TOO_MANY_DATES,
                    CampusError.SERIES_NO_DATES,
                ],
                404: [*ORG_NOT_FOUND, CampusError.VENUE_NOT_FOUND, CampusError.EVENT_NOT_FOUND],
            }
        ),
    )
    def post(self, request, organization_id):
        organization = selectors.organizer_for(
            user=request.user, organization_id=organization_id, action=selectors.EVENTS_MANAGE
        )
        serializer = s.CampusSeriesCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        series = series_services.series_create(
            organization=organization, actor=request.user, **serializer.validated_data
        )
        return self.series_response(series.pk, status.HTTP_201_CREATED)


class SeriesDetailView(PublicReadMixin, SeriesResponseMixin, EventView):
    @extend_schema(
        tags=TAG,
        summary="A series and its dates",
        description="The organiser's staff see every date, drafts included; anyone else "
        "the dates they may see (404 `series_not_found` when none).",
        parameters=[SERIES_ID],
        responses={200: s.CampusSeriesSerializer},
        extensions=error_codes({404: [CampusError.SERIES_NOT_FOUND]}),
        auth=[],
    )
    def get(self, request, series_id):
        return self.series_response(series_id)


# --- The public side -----------------------------------------------------------------------


class EventCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("starts_at", "id")

    def get_ordering(self, request, queryset, view):
        if request.query_params.get("ordering") == "-starts_at":
            return ("-starts_at", "-id")
        return ("starts_at", "id")


class PublicEventsCache(PublicCacheMixin):
    def public_cache_scopes(self, request, **kwargs):
        return [EVENTS]


class EventListView(PublicEventsCache, PublicReadMixin, EventView):
    pagination_class = EventCursorPagination
    throttle_scope = "directory"

    @extend_schema(
        tags=TAG,
        summary="Public list of events",
        description='Published events the caller may see (public ones; "university '
        'only" ones to that university\'s students; "invite only" ones to ticket '
        "holders and the organiser's members), by default only those not over yet "
        "(`include_past=true` for all), soonest first (`ordering=-starts_at`: latest "
        "first). Filters: `category`, `tag`, `university`, `organizer`, `starts_after`, "
        "`starts_before`, `free`, `q` (every word in the title or description). Cursor "
        "pagination (`cursor`, `page_size` up to 100). Anonymous answers are cached and "
        "made stale by any change of an event.",
        parameters=[s.EventQuerySerializer],
        responses={200: s.CampusEventSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        query = validated_query(s.EventQuerySerializer, request).validated_data
        query.pop("ordering", None)
        events = selectors.public_events(user=request.user, query=selectors.EventQuery(**query))
        return self.paginated(events, s.CampusEventSerializer)


class PopularEventsView(PublicEventsCache, PublicReadMixin, EventView):
    pagination_class = None
    #: The counters (views, favourites, sales) are written without signals: the ranking
    #: follows them within this many seconds; any change of an event is seen at once.
    public_cache_timeout = 120

    @extend_schema(
        tags=TAG,
        summary="Popular upcoming events",
        description="The `limit` (default 20, at most 50) upcoming events the caller may "
        "see with the highest score: tickets sold × 5 + favourites × 3 + views, then "
        "soonest first. Not paginated. Anonymous answers are cached: a change of an event "
        "shows at once, counters within two minutes.",
        parameters=[s.PopularQuerySerializer],
        responses={200: s.CampusEventSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        query = validated_query(s.PopularQuerySerializer, request).validated_data
        events = selectors.popular_events(user=request.user, limit=query["limit"])
        return Response(
            s.CampusEventSerializer(events, many=True, context={"request": request}).data
        )


class NearbyEventsView(PublicReadMixin, EventView):
    pagination_class = PageNumberPagination
    serializer_class = s.CampusNearbyEventSerializer
    throttle_scope = "directory"

    @extend_schema(
        tags=TAG,
        summary="Events near a point",
        description="Published events the caller may see that are not over yet, within "
        "`radius_km` (default 10, at most 50) of `lat`,`lng`, nearest first, each with "
        "its `distance_km` (great-circle). An indexed bounding box on the venue's "
        "coordinates, then the exact distance: never a scan of every event. Events "
        "without coordinates (online ones) are never listed. Page-number pagination.",
        parameters=[s.NearbyQuerySerializer],
        responses={200: s.CampusNearbyEventSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        query = validated_query(s.NearbyQuerySerializer, request).validated_data
        hits = nearby_selectors.nearby_hits(
            user=request.user,
            latitude=query["lat"],
            longitude=query["lng"],
            radius_km=query["radius_km"],
        )
        page = self.paginate_queryset(hits)
        events = nearby_selectors.nearby_events(user=request.user, hits=page)
        data = s.CampusNearbyEventSerializer(events, many=True, context={"request": request}).data
        return self.get_paginated_response(data)


class EventDetailView(PublicReadMixin, EventView):
    @extend_schema(
        tags=TAG,
        summary="One event",
        description="An event the caller may see (404 `event_not_found` otherwise, drafts "
        "included: the organiser reads those at `events/{id}/manage/`). Counts a view, "
        "once per viewer and day (a signed-in user, or an anonymous visitor by a keyed "
        "digest of address and browser; the address is never stored).",
        parameters=[EVENT_ID],
        responses={200: s.CampusEventSerializer},
        extensions=error_codes({404: EVENT_NOT_FOUND}),
        auth=[],
    )
    def get(self, request, event_id):
        event = selectors.event_detail(user=request.user, event_id=event_id)
        engagement.event_view_record(
            event=event, viewer=engagement.viewer_key(request), user=request.user
        )
        return Response(s.CampusEventSerializer(event, context={"request": request}).data)


class CategoryListView(PublicCacheMixin, PublicReadMixin, EventView):
    pagination_class = None
    public_cache_max_age = 300

    def public_cache_scopes(self, request, **kwargs):
        return [CATEGORIES]

    @extend_schema(
        tags=TAG,
        summary="Event categories",
        description="The reference list, labels in the request's language. Not paginated.",
        responses={200: s.CampusCategorySerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        return Response(s.CampusCategorySerializer(selectors.categories(), many=True).data)


class TagListView(PublicReadMixin, EventView):
    @extend_schema(
        tags=TAG,
        summary="Tags",
        description="Tags whose slug starts with `q` (normalised like a tag: lower case, "
        "no `#`), by slug. Paginated.",
        parameters=[s.TagQuerySerializer],
        responses={200: s.CampusTagSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        query = validated_query(s.TagQuerySerializer, request).validated_data
        return self.paginated(selectors.tags_search(q=query.get("q")), s.CampusTagSerializer)


# --- Favourites, follows, profile ----------------------------------------------------------


class FavouriteView(EventView):
    serializer_class = s.CampusFavouriteStateSerializer

    def _answer(self, event, favourite: bool) -> Response:
        count = selectors.favourites_count(event_id=event.pk)
        return Response(
            s.CampusFavouriteStateSerializer(
                {"favourite": favourite, "favourites_count": count}
            ).data
        )

    @extend_schema(
        tags=ME_TAG,
        summary="Favourite an event",
        description="Idempotent: favouriting twice keeps one favourite. The event must be "
        "one the caller may see (404 `event_not_found`).",
        parameters=[EVENT_ID],
        request=None,
        responses={200: s.CampusFavouriteStateSerializer},
        extensions=error_codes({404: EVENT_NOT_FOUND}),
    )
    def post(self, request, event_id):
        event = selectors.event_detail(user=request.user, event_id=event_id)
        engagement.favourite_add(user=request.user, event=event)
        return self._answer(event, True)

    @extend_schema(
        tags=ME_TAG,
        summary="Remove an event from my favourites",
        description="Idempotent.",
        parameters=[EVENT_ID],
        responses={200: s.CampusFavouriteStateSerializer},
        extensions=error_codes({404: EVENT_NOT_FOUND}),
    )
    def delete(self, request, event_id):
        event = selectors.event_detail(user=request.user, event_id=event_id)
        engagement.favourite_remove(user=request.user, event=event)
        return self._answer(event, False)


class MyFavouritesView(EventView):
    @extend_schema(
        tags=ME_TAG,
        summary="My favourite events",
        description="Those the caller may still see, latest favourite first. Paginated.",
        responses={200: s.CampusEventSerializer(many=True)},
    )
    def get(self, request):
        return self.paginated(selectors.favourites_of(user=request.user), s.CampusEventSerializer)


class OrganizerFollowView(EventView):
    serializer_class = s.CampusFollowStateSerializer

    @extend_schema(
        tags=ME_TAG,
        summary="Follow an organiser",
        description="A university or a club (404 `organizer_not_found`). Idempotent.",
        parameters=[ORG_ID],
        request=None,
        responses={200: s.CampusFollowStateSerializer},
        extensions=error_codes({404: [CampusError.ORGANIZER_NOT_FOUND]}),
    )
    def post(self, request, organization_id):
        organization = selectors.organizer_get(organization_id=organization_id)
        engagement.organizer_follow(user=request.user, organization=organization)
        return Response(s.CampusFollowStateSerializer({"following": True}).data)

    @extend_schema(
        tags=ME_TAG,
        summary="Stop following an organiser",
        description="Idempotent.",
        parameters=[ORG_ID],
        responses={200: s.CampusFollowStateSerializer},
        extensions=error_codes({404: [CampusError.ORGANIZER_NOT_FOUND]}),
    )
    def delete(self, request, organization_id):
        organization = selectors.organizer_get(organization_id=organization_id)
        engagement.organizer_unfollow(user=request.user, organization=organization)
        return Response(s.CampusFollowStateSerializer({"following": False}).data)


class TagFollowView(EventView):
    serializer_class = s.CampusFollowStateSerializer

    @extend_schema(
        tags=ME_TAG,
        summary="Follow a tag",
        description="An existing tag (404 `tag_not_found`). Idempotent.",
        parameters=[TAG_SLUG],
        request=None,
        responses={200: s.CampusFollowStateSerializer},
        extensions=error_codes({404: [CampusError.TAG_NOT_FOUND]}),
    )
    def post(self, request, slug):
        tag = selectors.tag_get(slug=slug)
        engagement.tag_follow(user=request.user, tag=tag)
        return Response(s.CampusFollowStateSerializer({"following": True}).data)

    @extend_schema(
        tags=ME_TAG,
        summary="Stop following a tag",
        description="Idempotent.",
        parameters=[TAG_SLUG],
        responses={200: s.CampusFollowStateSerializer},
        extensions=error_codes({404: [CampusError.TAG_NOT_FOUND]}),
    )
    def delete(self, request, slug):
        tag = selectors.tag_get(slug=slug)
        engagement.tag_unfollow(user=request.user, tag=tag)
        return Response(s.CampusFollowStateSerializer({"following": False}).data)


class MyFollowsView(EventView):
    serializer_class = s.CampusFollowsSerializer
    pagination_class = None

    @extend_schema(
        tags=ME_TAG,
        summary="The organisers and tags I follow",
        description="Newest first, at most 500 of each. Not paginated.",
        responses={200: s.CampusFollowsSerializer},
    )
    def get(self, request):
        return Response(s.CampusFollowsSerializer(selectors.follows_of(user=request.user)).data)


class MyProfileView(EventView):
    serializer_class = s.CampusProfileSerializer
    pagination_class = None

    def _answer(self) -> Response:
        return Response(
            s.CampusProfileSerializer(selectors.profile_of(user=self.request.user)).data
        )

    @extend_schema(
        tags=ME_TAG,
        summary="My campus profile",
        description='University (which "university only" events I see) and interests '
        "(tag slugs, used by the recommendations).",
        responses={200: s.CampusProfileSerializer},
    )
    def get(self, request):
        return self._answer()

    @extend_schema(
        tags=ME_TAG,
        summary="Change my campus profile",
        description="`university`: an organisation of kind university (404 "
        "`university_not_found`), null clears it; `interests`: existing tag slugs (400 "
        "`tag_not_found`), replacing them.",
        request=s.CampusProfileUpdateSerializer,
        responses={200: s.CampusProfileSerializer},
        extensions=error_codes(
            {400: [CampusError.TAG_NOT_FOUND], 404: [CampusError.UNIVERSITY_NOT_FOUND]}
        ),
    )
    def patch(self, request):
        serializer = s.CampusProfileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profiles.profile_update(user=request.user, **serializer.validated_data)
        return self._answer()
