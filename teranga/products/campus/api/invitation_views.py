"""Invitations and share links endpoints. Views validate, call one service or selector,
serialize. Every endpoint needs a signed-in user.

Share-link conversions: the share page (``/campus/s/<code>/``) counts the visit, sets
the signed cookie ``campus_share`` (the code) and redirects to the event; once the
visitor's order is paid, the app sends ``POST share/{code}/convert/ {"order": id}``. It
counts once per order (409 ``already_converted``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.pagination import PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query

from ..errors import CampusError
from ..selectors import invitations as selectors
from ..services import invitations as services
from . import invitation_serializers as s

TAG = ["campus: invitations"]
WRITE_SCOPE = "campus_invitations"

EVENT_ID = OpenApiParameter("event_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)
E404_EVENT = [CampusError.EVENT_NOT_FOUND]


class InvitationsBase(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []

    @property
    def throttle_scope(self):
        return WRITE_SCOPE if self.request.method == "POST" else None


class EventInvitationsView(InvitationsBase):
    serializer_class = s.EventInvitationSerializer

    @property
    def pagination_class(self):
        """GET lists a page; POST answers the invitations it made: a plain list."""
        request = getattr(self, "request", None)
        if request is not None and request.method == "POST":
            return None
        return InvitationsBase.pagination_class

    @extend_schema(
        tags=TAG,
        summary="Invitations of an event (its staff)",
        parameters=[EVENT_ID],
        responses={200: s.EventInvitationSerializer(many=True)},
        extensions=error_codes({403: [CoreError.PERMISSION_DENIED], 404: E404_EVENT}),
    )
    def get(self, request, event_id):
        invitations = selectors.invitations_of_event(user=request.user, event_id=event_id)
        return self.paginated(invitations, s.EventInvitationSerializer)

    @extend_schema(
        tags=TAG,
        summary="Invite people to an event (its staff)",
        description='`{"user": id}`, `{"email": …}` or `{"invitations": [...]}` (at '
        "most 50). An address of a registered account invites that account. Each "
        "invitation gets an unguessable code; registered invitees are notified (push, "
        "in-app, email), other addresses get an email. All or nothing: 400 "
        "`user_not_found`, 409 `already_invited`. A pending or accepted invitation makes "
        "an invite-only event visible to its invitee.",
        parameters=[EVENT_ID],
        request=s.EventInvitationCreateSerializer,
        responses={201: s.EventInvitationSerializer(many=True)},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, CampusError.USER_NOT_FOUND],
                403: [CoreError.PERMISSION_DENIED],
                404: E404_EVENT,
                409: [CampusError.ALREADY_INVITED],
            }
        ),
    )
    def post(self, request, event_id):
        serializer = s.EventInvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.invitations_create(
            user=request.user, event_id=event_id, entries=serializer.validated_data["entries"]
        )
        return Response(
            s.EventInvitationSerializer(created, many=True).data, status=status.HTTP_201_CREATED
        )


class MyInvitationsView(InvitationsBase):
    serializer_class = s.EventInvitationSerializer

    @extend_schema(
        tags=TAG,
        summary="My invitations",
        description="Those to me, and those to one of my verified email addresses.",
        parameters=[s.MyEventInvitationsQuerySerializer],
        responses={200: s.EventInvitationSerializer(many=True)},
        extensions=error_codes({400: [CoreError.INVALID]}),
    )
    def get(self, request):
        query = validated_query(s.MyEventInvitationsQuerySerializer, request).validated_data
        invitations = selectors.invitations_of_user(user=request.user, status=query.get("status"))
        return self.paginated(invitations, s.EventInvitationSerializer)


class _RespondView(InvitationsBase):
    serializer_class = s.EventInvitationSerializer
    accept = True

    def post(self, request, code):
        invitation = services.invitation_respond(user=request.user, code=code, accept=self.accept)
        return Response(s.EventInvitationSerializer(invitation).data)


_RESPOND_ERRORS = error_codes(
    {404: [CampusError.INVITATION_NOT_FOUND], 409: [CampusError.ALREADY_INVITED]}
)


class InvitationAcceptView(_RespondView):
    accept = True

    @extend_schema(
        tags=TAG,
        summary="Accept an invitation",
        description="The invitee, or the signed-in user whose verified email address it "
        "names (it becomes theirs). No body; answering again changes the answer.",
        parameters=[CODE],
        request=None,
        responses={200: s.EventInvitationSerializer},
        extensions=_RESPOND_ERRORS,
    )
    def post(self, request, code):
        return super().post(request, code)


class InvitationDeclineView(_RespondView):
    accept = False

    @extend_schema(
        tags=TAG,
        summary="Decline an invitation",
        description="As accepting; a declined invitation no longer shows an invite-only event.",
        parameters=[CODE],
        request=None,
        responses={200: s.EventInvitationSerializer},
        extensions=_RESPOND_ERRORS,
    )
    def post(self, request, code):
        return super().post(request, code)


class ShareCreateView(InvitationsBase):
    serializer_class = s.CampusShareLinkSerializer

    @extend_schema(
        tags=TAG,
        summary="Create a share link of an event",
        description="Anyone who may see the event. The link (`url`) counts visits and "
        "conversions; it answers 410 once `expires_in_hours` (1–720, default 72) have "
        "passed.",
        parameters=[EVENT_ID],
        request=s.CampusShareLinkCreateSerializer,
        responses={201: s.CampusShareLinkSerializer},
        extensions=error_codes({400: [CoreError.INVALID], 404: E404_EVENT}),
    )
    def post(self, request, event_id):
        serializer = s.CampusShareLinkCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = services.share_link_create(
            user=request.user,
            event_id=event_id,
            expires_in_hours=serializer.validated_data["expires_in_hours"],
        )
        return Response(s.CampusShareLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class EventShareLinksView(InvitationsBase):
    serializer_class = s.CampusShareLinkSerializer

    @extend_schema(
        tags=TAG,
        summary="Share links of an event with their counts (its staff)",
        parameters=[EVENT_ID],
        responses={200: s.CampusShareLinkSerializer(many=True)},
        extensions=error_codes({403: [CoreError.PERMISSION_DENIED], 404: E404_EVENT}),
    )
    def get(self, request, event_id):
        links = selectors.share_links_of_event(user=request.user, event_id=event_id)
        return self.paginated(links, s.CampusShareLinkSerializer)


class ShareConvertView(InvitationsBase):
    serializer_class = s.CampusShareLinkSerializer

    @extend_schema(
        tags=TAG,
        summary="Count a paid order as a conversion of a share link",
        description="The buyer, after paying an order of the link's event: counted once "
        "per order (409 `already_converted`), only when paid (409 `order_not_paid`); "
        "another's order is 404 `order_not_found`; an order of another event 400. "
        "Expired link: 410 `share_link_expired`.",
        parameters=[CODE],
        request=s.CampusShareConvertSerializer,
        responses={201: s.CampusShareLinkSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                404: [CampusError.SHARE_LINK_NOT_FOUND, CampusError.ORDER_NOT_FOUND],
                409: [CampusError.ORDER_NOT_PAID, CampusError.ALREADY_CONVERTED],
                410: [CampusError.SHARE_LINK_EXPIRED],
            }
        ),
    )
    def post(self, request, code):
        serializer = s.CampusShareConvertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = services.share_link_convert(
            user=request.user, code=code, order_id=serializer.validated_data["order"]
        )
        return Response(s.CampusShareLinkSerializer(link).data, status=status.HTTP_201_CREATED)
