"""Community endpoints: reviews and ratings, badges and the leaderboard, student-ID
(matricule) verification. Views validate, call one service or selector, serialize."""

from __future__ import annotations

import mimetypes

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.pagination import PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query
from teranga.platform.organizations.errors import OrganizationError

from ..errors import CampusError
from ..selectors import badges as badge_selectors
from ..selectors import reviews as review_selectors
from ..selectors import verification as verification_selectors
from ..selectors.access import event_for_viewer
from ..services import reviews as review_services
from ..services import verification as verification_services
from . import community_serializers as s

TAG_REVIEWS = ["campus: reviews"]
TAG_BADGES = ["campus: badges"]
TAG_VERIFICATION = ["campus: student verification"]
REVIEW_400 = [CoreError.INVALID, CampusError.CONTENT_BLOCKED]
CHECKED = (  # what the review endpoints say of moderation
    " The comment passes the moderation checks: 400 `content_blocked` when refused (logged); "
    "a flagged one is stored and opens a case in `/api/v1/moderation/cases/`."
)


def _uuid_path(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=description)


EVENT_ID = _uuid_path("event_id", "Event id")
REVIEW_ID = _uuid_path("review_id", "Review id")
ORGANIZATION_ID = _uuid_path("organization_id", "Organisation id")
USER_ID = _uuid_path("user_id", "User id")
VERIFICATION_ID = _uuid_path("verification_id", "Student verification id")


class CommunityView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []


class PublicReadMixin:
    """GET is open to anonymous callers; every other method needs a token."""

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD"):
            return [AllowAny()]
        return super().get_permissions()


# --- Reviews -------------------------------------------------------------------------------


class EventReviewsView(PublicReadMixin, CommunityView):
    serializer_class = s.ReviewSerializer

    @extend_schema(
        tags=TAG_REVIEWS,
        summary="An event's reviews",
        description="Open to anyone who may see the event (anonymous callers: public "
        "events). Newest first, each with the organiser's reply; reviews hidden pending "
        "moderation are left out.",
        parameters=[EVENT_ID],
        responses={200: s.ReviewSerializer(many=True)},
        extensions=error_codes({404: [CampusError.EVENT_NOT_FOUND]}),
    )
    def get(self, request, event_id):
        event = event_for_viewer(user=request.user, event_id=event_id)
        return self.paginated(review_selectors.event_reviews(event=event), s.ReviewSerializer)

    @extend_schema(
        tags=TAG_REVIEWS,
        summary="Review an event",
        description="Only a student who holds a ticket of the event that was checked in "
        "(an accepted entry scan, or a presence with a first entry): 403 "
        "`review_not_allowed` otherwise. Once the event has started (409 "
        "`event_not_started`); not for a cancelled event (409 `event_cancelled`); once "
        "per event (409 `already_reviewed`). The author's badges are evaluated after "
        "commit (the `reviewer` badge)." + CHECKED,
        parameters=[EVENT_ID],
        request=s.ReviewCreateSerializer,
        responses={201: s.ReviewSerializer},
        extensions=error_codes(
            {
                400: REVIEW_400,
                403: [CampusError.REVIEW_NOT_ALLOWED],
                404: [CampusError.EVENT_NOT_FOUND],
                409: [
                    CampusError.ALREADY_REVIEWED,
                    CampusError.EVENT_NOT_STARTED,
                    CampusError.EVENT_CANCELLED,
                ],
            }
        ),
    )
    def post(self, request, event_id):
        serializer = s.ReviewCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = review_services.review_create(
            user=request.user, event_id=event_id, **serializer.validated_data
        )
        return Response(s.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ReviewDetailView(CommunityView):
    serializer_class = s.ReviewSerializer

    @extend_schema(
        tags=TAG_REVIEWS,
        summary="Edit my review",
        description="Its author only (anyone else: 404 `review_not_found`)." + CHECKED,
        parameters=[REVIEW_ID],
        request=s.ReviewUpdateSerializer,
        responses={200: s.ReviewSerializer},
        extensions=error_codes({400: REVIEW_400, 404: [CampusError.REVIEW_NOT_FOUND]}),
    )
    def patch(self, request, review_id):
        serializer = s.ReviewUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = review_services.review_update(
            user=request.user, review_id=review_id, **serializer.validated_data
        )
        return Response(s.ReviewSerializer(review).data)

    @extend_schema(
        tags=TAG_REVIEWS,
        summary="Delete my review",
        description="Its author only (anyone else: 404 `review_not_found`).",
        parameters=[REVIEW_ID],
        responses={204: None},
        extensions=error_codes({404: [CampusError.REVIEW_NOT_FOUND]}),
    )
    def delete(self, request, review_id):
        review_services.review_delete(user=request.user, review_id=review_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewReplyView(CommunityView):
    serializer_class = s.ReviewSerializer

    @extend_schema(
        tags=TAG_REVIEWS,
        summary="Reply to a review (organiser's managers and above)",
        description="One reply per review, shown under it; posting again replaces it. "
        "Another organisation's review is 404 `review_not_found`; a member below manager "
        "gets 403." + CHECKED.replace("comment", "reply"),
        parameters=[REVIEW_ID],
        request=s.ReviewReplyWriteSerializer,
        responses={200: s.ReviewSerializer},
        extensions=error_codes(
            {
                400: REVIEW_400,
                403: [CoreError.PERMISSION_DENIED],
                404: [CampusError.REVIEW_NOT_FOUND],
            }
        ),
    )
    def post(self, request, review_id):
        serializer = s.ReviewReplyWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = review_services.review_reply(
            user=request.user, review_id=review_id, reply=serializer.validated_data["reply"]
        )
        return Response(s.ReviewSerializer(review).data)


class ReviewReportView(CommunityView):
    serializer_class = s.ReviewSerializer

    @extend_schema(
        tags=TAG_REVIEWS,
        summary="Report a review",
        description="Any signed-in user who may see it, once per review (409 "
        "`already_reported`; reporting one's own review is refused the same way). After "
        "3 reports from different users the review is hidden (`hidden`: true, left out of "
        "the event's list). Each report joins the review's moderation case (approve: shown "
        "again; remove: hidden for good); 30 reports per user and hour at most (429).",
        parameters=[REVIEW_ID],
        request=s.ReviewReportSerializer,
        responses={200: s.ReviewSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                404: [CampusError.REVIEW_NOT_FOUND],
                409: [CampusError.ALREADY_REPORTED],
                429: [CoreError.THROTTLED],
            }
        ),
    )
    def post(self, request, review_id):
        serializer = s.ReviewReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = review_services.review_report(
            user=request.user, review_id=review_id, reason=serializer.validated_data["reason"]
        )
        return Response(s.ReviewSerializer(review).data)


class OrganizerRatingView(CommunityView):
    permission_classes = [AllowAny]
    serializer_class = s.OrganizerRatingSerializer

    @extend_schema(
        tags=TAG_REVIEWS,
        summary="An organiser's average rating",
        description="The mean rating and count of the shown reviews of every event of the "
        "organiser (a university or a club), in one aggregate. Open to anyone.",
        parameters=[ORGANIZATION_ID],
        responses={200: s.OrganizerRatingSerializer},
        extensions=error_codes({404: [CampusError.ORGANIZER_NOT_FOUND]}),
    )
    def get(self, request, organization_id):
        organizer = badge_selectors.organizer_get(organization_id=organization_id)
        rating = review_selectors.organizer_rating(organization_id=organizer.pk)
        return Response(s.OrganizerRatingSerializer({"organization": organizer.pk, **rating}).data)


# --- Badges --------------------------------------------------------------------------------


def _badges_response(user) -> Response:
    awards = list(badge_selectors.user_badges(user_id=user.pk))
    return Response(s.UserBadgesSerializer({"user": user, "badges": awards}).data)


class MyBadgesView(CommunityView):
    serializer_class = s.UserBadgesSerializer

    @extend_schema(
        tags=TAG_BADGES,
        summary="My badges",
        description="Badges are awarded by the task engine (after a review, and every five "
        "minutes for recent check-ins and events): `first_event` (checked in once), "
        "`events_10` (checked in at ten events), `organizer_5` (manager or above of an "
        "organiser with five finished, or published and ended, events), `reviewer` "
        "(a first review). Oldest first.",
        responses={200: s.UserBadgesSerializer},
    )
    def get(self, request):
        return _badges_response(request.user)


class UserBadgesView(CommunityView):
    serializer_class = s.UserBadgesSerializer

    @extend_schema(
        tags=TAG_BADGES,
        summary="A user's badges (public profile)",
        description="Signed-in users; the user's public name only.",
        parameters=[USER_ID],
        responses={200: s.UserBadgesSerializer},
        extensions=error_codes({404: [CampusError.USER_NOT_FOUND]}),
    )
    def get(self, request, user_id):
        return _badges_response(badge_selectors.user_for_profile(user_id=user_id))


class LeaderboardView(CommunityView):
    serializer_class = s.LeaderboardRowSerializer

    @extend_schema(
        tags=TAG_BADGES,
        summary="A university's leaderboard",
        description="Signed-in users. The university's students ranked by badges, then "
        "events attended (ties share a rank); public names only. One query per page.",
        parameters=[ORGANIZATION_ID],
        responses={200: s.LeaderboardRowSerializer(many=True)},
        extensions=error_codes({404: [CampusError.UNIVERSITY_NOT_FOUND]}),
    )
    def get(self, request, organization_id):
        university = badge_selectors.university_get(organization_id=organization_id)
        rows = badge_selectors.leaderboard(university=university)
        return self.paginated(rows, s.LeaderboardRowSerializer)


# --- Matricule verification ----------------------------------------------------------------

SETTINGS_ERRORS = {
    403: [CoreError.PERMISSION_DENIED],
    404: [OrganizationError.ORGANIZATION_NOT_FOUND, CampusError.UNIVERSITY_NOT_FOUND],
}


class CampusSettingsView(CommunityView):
    serializer_class = s.CampusSettingsSerializer

    @extend_schema(
        tags=TAG_VERIFICATION,
        summary="A university's campus settings (managers and above)",
        parameters=[ORGANIZATION_ID],
        responses={200: s.CampusSettingsSerializer},
        extensions=error_codes(SETTINGS_ERRORS),
    )
    def get(self, request, organization_id):
        row = verification_services.campus_settings_get(
            user=request.user, organization_id=organization_id
        )
        return Response(s.CampusSettingsSerializer(row).data)

    @extend_schema(
        tags=TAG_VERIFICATION,
        summary="Set a university's matricule format (managers and above)",
        description="`matricule_pattern`: a regular expression the whole matricule must "
        "match (case ignored), at most 200 characters; one that does not compile, or "
        "nests repetitions (`(a+)+`) or alternatives inside a repetition (`(a|b)*`), is "
        "400 `invalid_matricule_pattern`. Only an organisation of kind university (404 "
        "`university_not_found` otherwise).",
        parameters=[ORGANIZATION_ID],
        request=s.CampusSettingsWriteSerializer,
        responses={200: s.CampusSettingsSerializer},
        extensions=error_codes(
            {
                **SETTINGS_ERRORS,
                400: [CoreError.INVALID, CampusError.INVALID_MATRICULE_PATTERN],
            }
        ),
    )
    def patch(self, request, organization_id):
        serializer = s.CampusSettingsWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = verification_services.campus_settings_update(
            user=request.user,
            organization_id=organization_id,
            matricule_pattern=serializer.validated_data["matricule_pattern"],
        )
        return Response(s.CampusSettingsSerializer(row).data)


class MyVerificationView(CommunityView):
    serializer_class = s.VerificationSerializer

    def get_parsers(self):
        if getattr(self, "request", None) is not None and self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    @extend_schema(
        tags=TAG_VERIFICATION,
        summary="My latest student-ID verification",
        responses={200: s.VerificationSerializer},
        extensions=error_codes({404: [CampusError.VERIFICATION_NOT_FOUND]}),
    )
    def get(self, request):
        return Response(
            s.VerificationSerializer(verification_selectors.my_verification(user=request.user)).data
        )

    @extend_schema(
        tags=TAG_VERIFICATION,
        summary="Submit my student ID for verification",
        description="multipart/form-data: `university`, `matricule` (trimmed, stored upper "
        "case), `student_card` (an image, re-encoded without metadata: 400 "
        "`invalid_image`). The matricule must match the university's pattern (400 "
        "`invalid_matricule`) and not be claimed by another student of that university "
        "(409 `matricule_taken`). One pending or approved verification at a time (409 "
        "`verification_open`). Managers of the university then approve or reject it.",
        request={"multipart/form-data": s.VerificationSubmitSerializer},
        responses={201: s.VerificationSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, CampusError.INVALID_MATRICULE, CampusError.INVALID_IMAGE],
                404: [CampusError.UNIVERSITY_NOT_FOUND],
                409: [CampusError.MATRICULE_TAKEN, CampusError.VERIFICATION_OPEN],
            }
        ),
    )
    def post(self, request):
        serializer = s.VerificationSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        verification = verification_services.student_verification_submit(
            user=request.user,
            university_id=data["university"],
            matricule=data["matricule"],
            student_card=data["student_card"],
        )
        return Response(s.VerificationSerializer(verification).data, status=status.HTTP_201_CREATED)


class UniversityVerificationsView(CommunityView):
    serializer_class = s.StaffVerificationSerializer

    @extend_schema(
        tags=TAG_VERIFICATION,
        summary="A university's student-ID verifications (managers and above)",
        description="Oldest first (the queue); `?status=pending` for what awaits a decision.",
        parameters=[ORGANIZATION_ID, s.VerificationQuerySerializer],
        responses={200: s.StaffVerificationSerializer(many=True)},
        extensions=error_codes(SETTINGS_ERRORS),
    )
    def get(self, request, organization_id):
        query = validated_query(s.VerificationQuerySerializer, request)
        university = verification_selectors.university_for_staff(
            user=request.user,
            organization_id=organization_id,
            action=verification_selectors.VERIFY_ACTION,
        )
        rows = verification_selectors.university_verifications(
            university=university, status=sorted(query.validated_data.get("status") or [])
        )
        return self.paginated(rows, s.StaffVerificationSerializer)


DECIDE_ERRORS = {
    403: [CoreError.PERMISSION_DENIED],
    404: [CampusError.VERIFICATION_NOT_FOUND],
    409: [CampusError.VERIFICATION_NOT_PENDING],
}


class VerificationApproveView(CommunityView):
    serializer_class = s.StaffVerificationSerializer

    @extend_schema(
        tags=TAG_VERIFICATION,
        summary="Approve a student ID (the university's managers and above)",
        description="The student becomes a verified student of the university (and it "
        "becomes their campus university); they are notified.",
        parameters=[VERIFICATION_ID],
        request=None,
        responses={200: s.StaffVerificationSerializer},
        extensions=error_codes(DECIDE_ERRORS),
    )
    def post(self, request, verification_id):
        verification = verification_services.student_verification_decide(
            user=request.user, verification_id=verification_id, approve=True
        )
        return Response(s.StaffVerificationSerializer(verification).data)


class VerificationRejectView(CommunityView):
    serializer_class = s.StaffVerificationSerializer

    @extend_schema(
        tags=TAG_VERIFICATION,
        summary="Reject a student ID (the university's managers and above)",
        description="With the reason told to the student, who may submit again.",
        parameters=[VERIFICATION_ID],
        request=s.VerificationRejectSerializer,
        responses={200: s.StaffVerificationSerializer},
        extensions=error_codes({**DECIDE_ERRORS, 400: [CoreError.INVALID]}),
    )
    def post(self, request, verification_id):
        serializer = s.VerificationRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        verification = verification_services.student_verification_decide(
            user=request.user,
            verification_id=verification_id,
            approve=False,
            reason=serializer.validated_data["reason"],
        )
        return Response(s.StaffVerificationSerializer(verification).data)


class VerificationCardView(CommunityView):
    def perform_content_negotiation(self, request, force=False):
        # Errors are JSON; the card is a plain HTTP response.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        tags=TAG_VERIFICATION,
        summary="The student card of a verification (the university's managers and above)",
        description="The stored image (JPEG, PNG, WebP or GIF), never cached.",
        parameters=[VERIFICATION_ID],
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The card image")
        },
        extensions=error_codes(
            {403: [CoreError.PERMISSION_DENIED], 404: [CampusError.VERIFICATION_NOT_FOUND]}
        ),
    )
    def get(self, request, verification_id):
        verification = verification_selectors.verification_for_staff(
            user=request.user, verification_id=verification_id
        )
        card = verification.student_card
        with card.open("rb") as handle:
            content = handle.read()
        content_type = mimetypes.guess_type(card.name)[0] or "application/octet-stream"
        response = HttpResponse(content, content_type=content_type)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
