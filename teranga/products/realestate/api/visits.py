"""The visits API: the free visit slots of a property, booking a visit (a client for
themselves, the agency for a guest, a guest without an account for themselves), the
lists, one visit, its transitions (confirm, cancel, done, no-show), rescheduling, the
agency's notes and the feedback after the visit; the visiting hours of a property and of
an agent, and a property's blocked dates.

Who may do what: ``selectors.visits``. Another agency's visit answers 404
``visit_not_found``, a member whose role is too low 403, no token 401.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from teranga.core.errors import CoreError, Forbidden, ValidationFailed
from teranga.core.i18n import normalize_language
from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.links import object_link
from teranga.core.pagination import CursorPagination, PageNumberPagination, PaginatedViewMixin
from teranga.core.phones import phone_e164
from teranga.core.schema import error_codes
from teranga.core.serializers import PhoneField, Serializer, validated_query
from teranga.platform.organizations import access
from teranga.platform.organizations.access import get_organization_for
from teranga.platform.organizations.errors import OrganizationError
from teranga.platform.scheduling.errors import SchedulingError

from ..errors import RealEstateError
from ..guest_throttling import address_budget_spend, phone_budget_spend
from ..models import (
    GUEST_EMAIL_MAX_LENGTH,
    GUEST_NAME_MAX_LENGTH,
    INTEREST_MAX,
    INTEREST_MIN,
    VISIT_BLOCK_REASON_MAX_LENGTH,
    VisitStatus,
)
from ..selectors import access as property_access
from ..selectors import visits as selectors
from ..services import visits as services
from ..visit_notices import VISIT_LINK, guest_link

TAG = ["realestate visits"]
PROPERTY_ID = OpenApiParameter("property_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
VISIT_ID = OpenApiParameter("visit_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
VISIT_404 = [RealEstateError.VISIT_NOT_FOUND]
TRANSITION_409 = [RealEstateError.VISIT_INVALID_TRANSITION, SchedulingError.INVALID_TRANSITION]


# --- Serializers ------------------------------------------------------------------------------


class RealEstateVisitPersonSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class RealEstateVisitPropertySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    address = serializers.CharField()
    commune = serializers.CharField()


class RealEstateVisitSerializer(serializers.Serializer):
    """A visit. ``notes`` and ``guest_phone`` are the agency's: null for the visitor."""

    id = serializers.UUIDField()
    organization = serializers.UUIDField(source="organization_id")
    property = RealEstateVisitPropertySerializer()
    agent = serializers.SerializerMethodField()
    visitor = serializers.SerializerMethodField()
    visitor_name = serializers.SerializerMethodField()
    guest_phone = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=VisitStatus.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    message = serializers.CharField()
    notes = serializers.SerializerMethodField()
    cancellation_reason = serializers.CharField()
    interest_level = serializers.IntegerField(allow_null=True)
    feedback = serializers.CharField()
    feedback_at = serializers.DateTimeField(allow_null=True)
    link = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def _staff(self, visit) -> bool:
        if getattr(visit, "viewer_is_staff", None) is not None:
            return visit.viewer_is_staff
        user = self.context["request"].user
        return visit.agent_id == user.pk or visit.organization_id in self.context.get(
            "staff_orgs", ()
        )

    @extend_schema_field(RealEstateVisitPersonSerializer(allow_null=True))
    def get_agent(self, visit):
        if visit.agent is None:
            return None
        return {
            "id": visit.agent.pk,
            "name": visit.agent.get_full_name() or visit.agent.email.split("@")[0],
        }

    @extend_schema_field(RealEstateVisitPersonSerializer(allow_null=True))
    def get_visitor(self, visit):
        if visit.visitor is None:
            return None
        return {"id": visit.visitor.pk, "name": visit.visitor_name()}

    def get_visitor_name(self, visit) -> str:
        return visit.visitor_name()

    @extend_schema_field({"type": "string", "nullable": True, "description": "E.164."})
    def get_guest_phone(self, visit):
        if not self._staff(visit) or not visit.guest_phone:
            return None
        return str(visit.guest_phone)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_notes(self, visit):
        return visit.notes if self._staff(visit) else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_link(self, visit) -> str:
        return object_link(VISIT_LINK, visit.pk)


class RealEstateVisitSlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class RealEstateVisitSlotsSerializer(serializers.Serializer):
    property = serializers.UUIDField()
    agent = RealEstateVisitPersonSerializer(allow_null=True)
    time_zone = serializers.CharField()
    slots = RealEstateVisitSlotSerializer(many=True)


class RealEstateVisitSlotsQuerySerializer(Serializer):
    # ``from`` is a keyword: the field is renamed below.
    from_ = serializers.DateTimeField(
        required=False, help_text="Start of the range (default: now)."
    )
    to = serializers.DateTimeField(
        required=False, help_text="End of the range (default: 7 days later; at most 31)."
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class RealEstateVisitGuestSerializer(Serializer):
    name = serializers.CharField(max_length=GUEST_NAME_MAX_LENGTH)
    phone = PhoneField()


class RealEstateVisitCreateSerializer(Serializer):
    starts_at = serializers.DateTimeField()
    message = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    guest = RealEstateVisitGuestSerializer(
        required=False,
        help_text="The agency's staff booking for a visitor without an account (a call, a "
        "walk-in): their name and phone.",
    )


class RealEstateVisitListQuerySerializer(Serializer):
    organization = serializers.UUIDField(
        required=False, help_text="Every visit of this agency (its agents and above, staff)."
    )
    status = serializers.ChoiceField(choices=VisitStatus.choices, required=False)
    property = serializers.UUIDField(required=False)
    agent = serializers.UUIDField(required=False)
    from_ = serializers.DateTimeField(required=False, help_text="Visits starting from then.")
    to = serializers.DateTimeField(required=False, help_text="Visits starting before then.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class RealEstateVisitCancelSerializer(Serializer):
    reason = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class RealEstateVisitNotesSerializer(Serializer):
    notes = serializers.CharField(max_length=NOTE_MAX_LENGTH, allow_blank=True)


class RealEstateVisitFeedbackSerializer(Serializer):
    interest_level = serializers.IntegerField(
        min_value=INTEREST_MIN, max_value=INTEREST_MAX, help_text="1 (none) to 5 (very high)."
    )
    feedback = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class RealEstateVisitHoursRuleSerializer(Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 is Monday.")
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()
    break_start = serializers.TimeField(required=False, allow_null=True, default=None)
    break_end = serializers.TimeField(required=False, allow_null=True, default=None)


class RealEstateVisitHoursSerializer(Serializer):
    rules = RealEstateVisitHoursRuleSerializer(many=True, max_length=21)


# --- Views ------------------------------------------------------------------------------------


class VisitCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("-starts_at", "-id")


class VisitView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    serializer_class = RealEstateVisitSerializer
    pagination_class = None

    def visit_response(self, visit, status_code=status.HTTP_200_OK) -> Response:
        return Response(
            RealEstateVisitSerializer(visit, context={"request": self.request}).data,
            status=status_code,
        )


class PropertyVisitSlotsView(VisitView):
    permission_classes = [AllowAny]
    serializer_class = RealEstateVisitSlotsSerializer

    @extend_schema(
        tags=TAG,
        summary="Free visit slots of a property",
        description="The times a visit of the property can be booked: its agent's "
        "availability (the scheduling engine: weekly hours, days off, public holidays, "
        "their other visits and bookings), inside the property's own visiting hours when "
        "it has any, not taken by another visit of it, at least 2 hours and at most 90 "
        "days ahead. A visit lasts an hour; slots start every half hour. `from`/`to`: "
        "the range (default now to 7 days later; at most 31 days: 400 "
        "`visit_invalid_range`). Same visibility as the property (404 "
        "`property_not_found`); a property off the market has no slots. An agent "
        "without visiting hours gets the defaults on first use (Monday to Friday "
        "9:00–18:00 with a break 13:00–14:00, Saturday 9:00–13:00), which the agency "
        "changes in the scheduling engine.",
        parameters=[PROPERTY_ID, RealEstateVisitSlotsQuerySerializer],
        responses={200: RealEstateVisitSlotsSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, RealEstateError.VISIT_INVALID_RANGE],
                404: [RealEstateError.PROPERTY_NOT_FOUND],
            }
        ),
        auth=[],
    )
    def get(self, request, property_id):
        query = validated_query(RealEstateVisitSlotsQuerySerializer, request).validated_data
        prop, _staff = property_access.property_visible(user=request.user, property_id=property_id)
        if prop.agent_id is not None:
            services.agent_resource_ensure(organization=prop.organization, agent=prop.agent)
        result = selectors.visit_slots(
            user=request.user,
            property_id=property_id,
            range_from=query.get("from"),
            range_to=query.get("to"),
        )
        agent = result.property.agent
        return Response(
            {
                "property": result.property.pk,
                "agent": {
                    "id": agent.pk,
                    "name": agent.get_full_name() or agent.email.split("@")[0],
                }
                if agent
                else None,
                "time_zone": result.time_zone,
                "slots": [{"starts_at": s.starts_at, "ends_at": s.ends_at} for s in result.slots],
            }
        )


class PropertyVisitHoursView(VisitView):
    serializer_class = RealEstateVisitHoursSerializer

    def hours_response(self, prop) -> Response:
        rules = selectors.property_visit_rules(prop)
        return Response(RealEstateVisitHoursSerializer({"rules": rules}).data)

    @extend_schema(
        tags=TAG,
        summary="Visiting hours of a property (agents and above, staff)",
        description="The property's own weekly visiting hours, in the agency's time zone. "
        "Empty: visits follow its agent's availability alone.",
        parameters=[PROPERTY_ID],
        responses={200: RealEstateVisitHoursSerializer},
        extensions=error_codes({404: [RealEstateError.PROPERTY_NOT_FOUND]}),
    )
    def get(self, request, property_id):
        prop = property_access.property_for_staff(user=request.user, property_id=property_id)
        return self.hours_response(prop)

    @extend_schema(
        tags=TAG,
        summary="Set the visiting hours of a property (its agent, managers and above)",
        description="Replaces them: weekly rules (`weekday` 0 = Monday, `starts_at`, "
        "`ends_at`, an optional break), at most 21, never overlapping (400 "
        "`rule_overlap`). Visits are then offered only inside them and inside the "
        "agent's availability. An empty list removes them. Visits already booked stay.",
        parameters=[PROPERTY_ID],
        request=RealEstateVisitHoursSerializer,
        responses={200: RealEstateVisitHoursSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, SchedulingError.RULE_OVERLAP],
                404: [RealEstateError.PROPERTY_NOT_FOUND],
            }
        ),
    )
    def put(self, request, property_id):
        prop = property_access.property_for_editor(user=request.user, property_id=property_id)
        serializer = RealEstateVisitHoursSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.property_visit_hours_set(
            prop=prop, rules=[dict(rule) for rule in serializer.validated_data["rules"]]
        )
        return self.hours_response(prop)


class PropertyVisitsView(VisitView):
    @extend_schema(
        tags=TAG,
        summary="Book a visit of a property",
        description="A signed-in client books a visit for themselves: it is `requested` "
        "until the agent confirms it. The agency's staff (agents and above) book for a "
        "visitor without an account by giving `guest` (name and phone; told by SMS): the "
        "visit is `confirmed` at once; staff must give `guest` (400 "
        "`visit_visitor_required`), and only staff may (403). `starts_at` must be a free "
        "slot (`visit-slots`): 400 `booking_in_past`, `notice_too_short`, "
        "`too_far_ahead`, `outside_availability`; 409 `slot_full` when it was just "
        "taken, `client_overlap` when the client has another booking then, "
        "`property_not_visitable` when the property is off the market or has no agent.",
        parameters=[PROPERTY_ID],
        request=RealEstateVisitCreateSerializer,
        responses={201: RealEstateVisitSerializer},
        extensions=error_codes(
            {
                400: [
                    CoreError.INVALID,
                    CoreError.INVALID_PHONE,
                    RealEstateError.VISIT_VISITOR_REQUIRED,
                    SchedulingError.BOOKING_IN_PAST,
                    SchedulingError.NOTICE_TOO_SHORT,
                    SchedulingError.TOO_FAR_AHEAD,
                    SchedulingError.OUTSIDE_AVAILABILITY,
                ],
                404: [RealEstateError.PROPERTY_NOT_FOUND],
                409: [
                    SchedulingError.SLOT_FULL,
                    SchedulingError.CLIENT_OVERLAP,
                    SchedulingError.ORGANIZATION_NOT_VERIFIED,
                    SchedulingError.RESOURCE_INACTIVE,
                    RealEstateError.PROPERTY_NOT_VISITABLE,
                ],
            }
        ),
    )
    def post(self, request, property_id):
        prop, _visible = property_access.property_visible(
            user=request.user, property_id=property_id
        )
        serializer = RealEstateVisitCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        staff = access.can(request.user, prop.organization, selectors.VISITS_MANAGE)
        guest = None
        if "guest" in data:
            if not staff:
                raise Forbidden(_text_only_agency())
            guest = services.Guest(name=data["guest"]["name"], phone=data["guest"]["phone"])
        elif staff:
            message = _text_guest_required()
            raise ValidationFailed(
                message,
                code=RealEstateError.VISIT_VISITOR_REQUIRED,
                fields={"guest": [message]},
            )
        visit = services.visit_create(
            prop=prop,
            actor=request.user,
            starts_at=data["starts_at"],
            visitor=None if guest else request.user,
            guest=guest,
            message=data["message"],
            by_agency=staff,
            language=normalize_language(get_language()),
        )
        visit = selectors.visit_for_viewer(user=request.user, visit_id=visit.pk)
        return self.visit_response(visit, status.HTTP_201_CREATED)


def _text_only_agency() -> str:
    from django.utils.translation import gettext as _

    return _("Only the agency can book a visit for a guest.")


def _text_guest_required() -> str:
    from django.utils.translation import gettext as _

    return _("Give the visitor's name and phone to book a visit for them.")


class VisitListView(VisitView):
    pagination_class = VisitCursorPagination

    @extend_schema(
        tags=TAG,
        summary="Visits",
        description="Without `organization`: the caller's own visits, as visitor or as "
        "agent. With `organization`: every visit of that agency, for its agents and above "
        "and platform staff (404 for anyone outside, 403 below agent). Filters: "
        "`status`, `property`, `agent`, `from`/`to` (start times). Newest start first; "
        "cursor pagination (`cursor` from `next`, `page_size` up to 100).",
        parameters=[RealEstateVisitListQuerySerializer],
        responses={200: RealEstateVisitSerializer(many=True)},
        extensions=error_codes(
            {400: [CoreError.INVALID], 404: [OrganizationError.ORGANIZATION_NOT_FOUND]}
        ),
    )
    def get(self, request):
        query = validated_query(RealEstateVisitListQuerySerializer, request).validated_data
        organization = None
        if "organization" in query:
            organization = get_organization_for(
                request.user, query["organization"], selectors.VISITS_VIEW
            )
        visits = selectors.visits_list(
            user=request.user,
            organization=organization,
            filters=selectors.VisitFilters(
                status=query.get("status"),
                property_id=query.get("property"),
                agent_id=query.get("agent"),
                starts_from=query.get("from"),
                ends_before=query.get("to"),
            ),
        )
        staff_orgs = {organization.pk} if organization is not None else set()
        return self.paginated(visits, RealEstateVisitSerializer, staff_orgs=staff_orgs)


class VisitDetailView(VisitView):
    @extend_schema(
        tags=TAG,
        summary="One visit",
        description="For its visitor, its agent and the agency's agents and above.",
        parameters=[VISIT_ID],
        responses={200: RealEstateVisitSerializer},
        extensions=error_codes({404: VISIT_404}),
    )
    def get(self, request, visit_id):
        return self.visit_response(selectors.visit_for_viewer(user=request.user, visit_id=visit_id))

    @extend_schema(
        tags=TAG,
        summary="The agency's notes on a visit",
        description="Its agent, managers and above. Never shown to the visitor.",
        parameters=[VISIT_ID],
        request=RealEstateVisitNotesSerializer,
        responses={200: RealEstateVisitSerializer},
        extensions=error_codes({400: [CoreError.INVALID], 404: VISIT_404}),
    )
    def patch(self, request, visit_id):
        visit = selectors.visit_for_manager(user=request.user, visit_id=visit_id)
        serializer = RealEstateVisitNotesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = services.visit_notes_update(visit=visit, notes=serializer.validated_data["notes"])
        visit.viewer_is_staff = True
        return self.visit_response(visit)


class _TransitionView(VisitView):
    def act(self, request, visit_id, service):
        visit = selectors.visit_for_manager(user=request.user, visit_id=visit_id)
        service(visit=visit, actor=request.user)
        return self.visit_response(selectors.visit_for_viewer(user=request.user, visit_id=visit_id))


class VisitConfirmView(_TransitionView):
    @extend_schema(
        tags=TAG,
        summary="Confirm a requested visit",
        description="Its agent, managers and above. The visitor is told.",
        parameters=[VISIT_ID],
        request=None,
        responses={200: RealEstateVisitSerializer},
        extensions=error_codes({404: VISIT_404, 409: TRANSITION_409}),
    )
    def post(self, request, visit_id):
        return self.act(request, visit_id, services.visit_confirm)


class VisitDoneView(_TransitionView):
    @extend_schema(
        tags=TAG,
        summary="Mark a confirmed visit done",
        description="Once it has started (409 `visit_not_started`). Its agent, managers and above.",
        parameters=[VISIT_ID],
        request=None,
        responses={200: RealEstateVisitSerializer},
        extensions=error_codes(
            {404: VISIT_404, 409: [*TRANSITION_409, RealEstateError.VISIT_NOT_STARTED]}
        ),
    )
    def post(self, request, visit_id):
        return self.act(request, visit_id, services.visit_done)


class VisitNoShowView(_TransitionView):
    @extend_schema(
        tags=TAG,
        summary="Mark a confirmed visit as a no-show",
        description="Once it has started (409 `visit_not_started`). Its agent, managers and above.",
        parameters=[VISIT_ID],
        request=None,
        responses={200: RealEstateVisitSerializer},
        extensions=error_codes(
            {404: VISIT_404, 409: [*TRANSITION_409, RealEstateError.VISIT_NOT_STARTED]}
        ),
    )
    def post(self, request, visit_id):
        return self.act(request, visit_id, services.visit_no_show)


class VisitCancelView(VisitView):
    @extend_schema(
        tags=TAG,
        summary="Cancel a visit",
        description="Its visitor, its agent, managers and above, while it is requested "
        "or confirmed. The other side is told.",
        parameters=[VISIT_ID],
        request=RealEstateVisitCancelSerializer,
        responses={200: RealEstateVisitSerializer},
        extensions=error_codes({400: [CoreError.INVALID], 404: VISIT_404, 409: TRANSITION_409}),
    )
    def post(self, request, visit_id):
        visit, as_agency = selectors.visit_for_participant(user=request.user, visit_id=visit_id)
        serializer = RealEstateVisitCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.visit_cancel(
            visit=visit,
            actor=request.user,
            by_visitor=not as_agency,
            reason=serializer.validated_data["reason"],
        )
        return self.visit_response(selectors.visit_for_viewer(user=request.user, visit_id=visit_id))


class VisitFeedbackView(VisitView):
    @extend_schema(
        tags=TAG,
        summary="Feedback after a visit",
        description="The visitor's interest (1 to 5) and a comment, given by the visitor "
        "or taken down by its agent or a manager, once the visit is done (409 "
        "`visit_not_done`). Giving it again replaces it.",
        parameters=[VISIT_ID],
        request=RealEstateVisitFeedbackSerializer,
        responses={200: RealEstateVisitSerializer},
        extensions=error_codes(
            {400: [CoreError.INVALID], 404: VISIT_404, 409: [RealEstateError.VISIT_NOT_DONE]}
        ),
    )
    def post(self, request, visit_id):
        visit, _as_agency = selectors.visit_for_participant(user=request.user, visit_id=visit_id)
        serializer = RealEstateVisitFeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.visit_feedback(visit=visit, **serializer.validated_data)
        return self.visit_response(selectors.visit_for_viewer(user=request.user, visit_id=visit_id))


class RealEstateGuestVisitCreateSerializer(Serializer):
    starts_at = serializers.DateTimeField(help_text="A free slot (`visit-slots`).")
    name = serializers.CharField(max_length=GUEST_NAME_MAX_LENGTH)
    phone = PhoneField(help_text="The guest's mobile number, told by SMS (E.164 or national).")
    email = serializers.EmailField(
        max_length=GUEST_EMAIL_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    message = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class RealEstateGuestVisitSerializer(serializers.Serializer):
    """A visit a guest booked, as the guest sees it: ``manage_link`` is the signed page
    where they see and cancel it (also sent by SMS)."""

    id = serializers.UUIDField()
    property = RealEstateVisitPropertySerializer()
    agency = serializers.CharField(source="organization.name")
    status = serializers.ChoiceField(choices=VisitStatus.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    visitor_name = serializers.CharField(source="guest_name")
    manage_link = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_manage_link(self, visit) -> str:
        return guest_link(visit)


class RealEstateVisitRescheduleSerializer(Serializer):
    starts_at = serializers.DateTimeField(help_text="The new start: a free slot.")
    reason = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class RealEstateAgentVisitHoursSerializer(Serializer):
    agent = RealEstateVisitPersonSerializer(read_only=True)
    time_zone = serializers.CharField(read_only=True)
    rules = RealEstateVisitHoursRuleSerializer(many=True, max_length=21)


class RealEstateVisitBlockSerializer(Serializer):
    id = serializers.UUIDField(read_only=True)
    starts_on = serializers.DateField(help_text="First blocked local date.")
    ends_on = serializers.DateField(help_text="Last blocked local date (inclusive).")
    reason = serializers.CharField(
        max_length=VISIT_BLOCK_REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    created_at = serializers.DateTimeField(read_only=True)


class PropertyGuestVisitsView(VisitView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = RealEstateGuestVisitSerializer

    @extend_schema(
        tags=TAG,
        summary="A guest books a visit of a property (no account)",
        description="Anyone books a visit of a public property with a name and a mobile "
        "phone (and an optional email), without an account: the visit is `requested` "
        "until the agent confirms it; the guest is told by SMS with the link of the page "
        "where they see and cancel it (`manage_link`), and by SMS again when the agency "
        "confirms, moves or cancels it, and 24 h and 1 h before. `starts_at` must be a "
        "free slot (`visit-slots`): 400 `booking_in_past`, `notice_too_short`, "
        "`too_far_ahead`, `outside_availability`, `visit_date_blocked`, `invalid_phone`; "
        "409 `slot_full` when it was just taken, `property_not_visitable`. Rate limited "
        "per address and per phone number (429 `throttled`).",
        parameters=[PROPERTY_ID],
        request=RealEstateGuestVisitCreateSerializer,
        responses={201: RealEstateGuestVisitSerializer},
        extensions=error_codes(
            {
                400: [
                    CoreError.INVALID,
                    CoreError.INVALID_PHONE,
                    SchedulingError.BOOKING_IN_PAST,
                    SchedulingError.NOTICE_TOO_SHORT,
                    SchedulingError.TOO_FAR_AHEAD,
                    SchedulingError.OUTSIDE_AVAILABILITY,
                    RealEstateError.VISIT_DATE_BLOCKED,
                ],
                404: [RealEstateError.PROPERTY_NOT_FOUND],
                409: [
                    SchedulingError.SLOT_FULL,
                    SchedulingError.ORGANIZATION_NOT_VERIFIED,
                    SchedulingError.RESOURCE_INACTIVE,
                    RealEstateError.PROPERTY_NOT_VISITABLE,
                ],
                429: [CoreError.THROTTLED],
            }
        ),
        auth=[],
    )
    def post(self, request, property_id):
        wait = address_budget_spend(request)
        if wait is not None:
            raise Throttled(wait)
        prop, _staff = property_access.property_visible(user=None, property_id=property_id)
        serializer = RealEstateGuestVisitCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        phone = phone_e164(data["phone"], region=prop.organization.country)
        wait = phone_budget_spend(request, phone)
        if wait is not None:
            raise Throttled(wait)
        visit = services.visit_guest_book(
            prop=prop,
            starts_at=data["starts_at"],
            guest=services.Guest(name=data["name"], phone=phone, email=data["email"]),
            message=data["message"],
            language=normalize_language(get_language()),
        )
        return Response(RealEstateGuestVisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class VisitRescheduleView(VisitView):
    @extend_schema(
        tags=TAG,
        summary="Reschedule a visit",
        description="Move a requested or confirmed visit to another free slot of its "
        "property (`visit-slots`): its registered visitor, its agent, managers and above. "
        "Checked again under the booking's locks: the property's hours and blocked dates, "
        "its other visits and the agent's availability. The history keeps the previous "
        "time; the other side is told (a guest by SMS) and the reminders follow the new "
        "time. 400 `same_time`, `booking_in_past`, `notice_too_short` (the visitor), "
        "`too_far_ahead`, `outside_availability`, `visit_date_blocked`; 409 `slot_full`, "
        "`client_overlap`, `visit_invalid_transition`.",
        parameters=[VISIT_ID],
        request=RealEstateVisitRescheduleSerializer,
        responses={200: RealEstateVisitSerializer},
        extensions=error_codes(
            {
                400: [
                    CoreError.INVALID,
                    SchedulingError.SAME_TIME,
                    SchedulingError.BOOKING_IN_PAST,
                    SchedulingError.NOTICE_TOO_SHORT,
                    SchedulingError.TOO_FAR_AHEAD,
                    SchedulingError.OUTSIDE_AVAILABILITY,
                    RealEstateError.VISIT_DATE_BLOCKED,
                ],
                404: VISIT_404,
                409: [
                    *TRANSITION_409,
                    SchedulingError.SLOT_FULL,
                    SchedulingError.CLIENT_OVERLAP,
                    SchedulingError.RESCHEDULE_TOO_LATE,
                ],
            }
        ),
    )
    def post(self, request, visit_id):
        visit, as_agency = selectors.visit_for_participant(user=request.user, visit_id=visit_id)
        serializer = RealEstateVisitRescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.visit_reschedule(
            visit=visit,
            actor=request.user,
            starts_at=serializer.validated_data["starts_at"],
            by_visitor=not as_agency,
            reason=serializer.validated_data["reason"],
        )
        return self.visit_response(selectors.visit_for_viewer(user=request.user, visit_id=visit_id))


ORGANIZATION_ID = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
USER_ID = OpenApiParameter("user_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
BLOCK_ID = OpenApiParameter("block_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
AGENT_404 = [OrganizationError.ORGANIZATION_NOT_FOUND, RealEstateError.AGENT_NOT_FOUND]


class AgentVisitHoursView(VisitView):
    serializer_class = RealEstateAgentVisitHoursSerializer

    def _agent(self, request, organization_id, user_id, *, write: bool):
        organization = get_organization_for(request.user, organization_id, selectors.VISITS_VIEW)
        agent = selectors.agency_agent(organization=organization, user_id=user_id)
        if (
            write
            and agent.pk != request.user.pk
            and not access.can(request.user, organization, property_access.PROPERTIES_MANAGE)
        ):
            raise Forbidden(_text_only_agent_or_manager())
        return organization, agent

    def hours_response(self, organization, agent) -> Response:
        rules = selectors.agent_visit_rules(organization=organization, agent=agent)
        return Response(
            RealEstateAgentVisitHoursSerializer(
                {
                    "agent": {
                        "id": agent.pk,
                        "name": agent.get_full_name() or agent.email.split("@")[0],
                    },
                    "time_zone": organization.time_zone,
                    "rules": rules,
                }
            ).data
        )

    @extend_schema(
        tags=TAG,
        summary="An agent's visiting hours (agents and above)",
        description="The agent's weekly hours for visits, across every property of theirs, "
        "in the agency's time zone (the defaults, Monday to Friday 9:00–18:00 with a break "
        "13:00–14:00 and Saturday 9:00–13:00, until changed). The visit slots of a "
        "property are those inside both its agent's hours and its own hours. 404 for "
        "someone who is not an agent of the agency.",
        parameters=[ORGANIZATION_ID, USER_ID],
        responses={200: RealEstateAgentVisitHoursSerializer},
        extensions=error_codes({404: AGENT_404}),
    )
    def get(self, request, organization_id, user_id):
        organization, agent = self._agent(request, organization_id, user_id, write=False)
        services.agent_resource_ensure(organization=organization, agent=agent)
        return self.hours_response(organization, agent)

    @extend_schema(
        tags=TAG,
        summary="Set an agent's visiting hours (the agent, managers and above)",
        description="Replaces them: weekly rules (`weekday` 0 = Monday, `starts_at`, "
        "`ends_at`, an optional break), at most 21, never overlapping (400 "
        "`rule_overlap`). An empty list: the agent takes no visits. Visits already booked "
        "stay. Another agent gets 403.",
        parameters=[ORGANIZATION_ID, USER_ID],
        request=RealEstateAgentVisitHoursSerializer,
        responses={200: RealEstateAgentVisitHoursSerializer},
        extensions=error_codes(
            {400: [CoreError.INVALID, SchedulingError.RULE_OVERLAP], 404: AGENT_404}
        ),
    )
    def put(self, request, organization_id, user_id):
        organization, agent = self._agent(request, organization_id, user_id, write=True)
        serializer = RealEstateAgentVisitHoursSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.agent_visit_hours_set(
            organization=organization,
            agent=agent,
            rules=[dict(rule) for rule in serializer.validated_data["rules"]],
        )
        return self.hours_response(organization, agent)


def _text_only_agent_or_manager() -> str:
    from django.utils.translation import gettext as _

    return _("Only the agent or a manager can change these hours.")


class BlockPagination(PageNumberPagination):
    page_size = 50


class PropertyVisitBlocksView(VisitView):
    serializer_class = RealEstateVisitBlockSerializer
    pagination_class = BlockPagination

    @extend_schema(
        tags=TAG,
        summary="Blocked visit dates of a property (agents and above)",
        description="The periods when the property cannot be visited, earliest first "
        "(page numbers).",
        parameters=[PROPERTY_ID],
        responses={200: RealEstateVisitBlockSerializer(many=True)},
        extensions=error_codes({404: [RealEstateError.PROPERTY_NOT_FOUND]}),
    )
    def get(self, request, property_id):
        prop = property_access.property_for_staff(user=request.user, property_id=property_id)
        return self.paginated(selectors.visit_blocks_list(prop), RealEstateVisitBlockSerializer)

    @extend_schema(
        tags=TAG,
        summary="Block dates for visits of a property (its agent, managers and above)",
        description="`starts_on` to `ends_on` (local dates, inclusive; at most a year "
        "ahead, not in the past): no slot is offered and no visit booked or moved on "
        "them. Visits already booked stay. At most 100 current blocks (409 "
        "`too_many_visit_blocks`).",
        parameters=[PROPERTY_ID],
        request=RealEstateVisitBlockSerializer,
        responses={201: RealEstateVisitBlockSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                404: [RealEstateError.PROPERTY_NOT_FOUND],
                409: [RealEstateError.TOO_MANY_VISIT_BLOCKS],
            }
        ),
    )
    def post(self, request, property_id):
        prop = property_access.property_for_editor(user=request.user, property_id=property_id)
        serializer = RealEstateVisitBlockSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        block = services.visit_block_create(
            prop=prop, actor=request.user, **serializer.validated_data
        )
        return Response(RealEstateVisitBlockSerializer(block).data, status=status.HTTP_201_CREATED)


class PropertyVisitBlockView(VisitView):
    @extend_schema(
        tags=TAG,
        summary="Remove blocked visit dates (its agent, managers and above)",
        parameters=[PROPERTY_ID, BLOCK_ID],
        request=None,
        responses={204: None},
        extensions=error_codes(
            {404: [RealEstateError.PROPERTY_NOT_FOUND, RealEstateError.VISIT_BLOCK_NOT_FOUND]}
        ),
    )
    def delete(self, request, property_id, block_id):
        prop = property_access.property_for_editor(user=request.user, property_id=property_id)
        services.visit_block_delete(prop=prop, block_id=block_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


PROPERTY = "properties/<uuid:property_id>"
VISIT = "visits/<uuid:visit_id>"

urlpatterns = [
    path(f"{PROPERTY}/visit-slots/", PropertyVisitSlotsView.as_view(), name="visit-slots"),
    path(f"{PROPERTY}/visits/", PropertyVisitsView.as_view(), name="property-visits"),
    path(f"{PROPERTY}/visit-hours/", PropertyVisitHoursView.as_view(), name="visit-hours"),
    path(
        f"{PROPERTY}/guest-visits/", PropertyGuestVisitsView.as_view(), name="property-guest-visits"
    ),
    path(f"{PROPERTY}/visit-blocks/", PropertyVisitBlocksView.as_view(), name="visit-blocks"),
    path(
        f"{PROPERTY}/visit-blocks/<uuid:block_id>/",
        PropertyVisitBlockView.as_view(),
        name="visit-block",
    ),
    path(
        "organizations/<uuid:organization_id>/agents/<uuid:user_id>/visit-hours/",
        AgentVisitHoursView.as_view(),
        name="agent-visit-hours",
    ),
    path("visits/", VisitListView.as_view(), name="visit-list"),
    path(f"{VISIT}/", VisitDetailView.as_view(), name="visit-detail"),
    path(f"{VISIT}/confirm/", VisitConfirmView.as_view(), name="visit-confirm"),
    path(f"{VISIT}/cancel/", VisitCancelView.as_view(), name="visit-cancel"),
    path(f"{VISIT}/done/", VisitDoneView.as_view(), name="visit-done"),
    path(f"{VISIT}/no-show/", VisitNoShowView.as_view(), name="visit-no-show"),
    path(f"{VISIT}/feedback/", VisitFeedbackView.as_view(), name="visit-feedback"),
    path(f"{VISIT}/reschedule/", VisitRescheduleView.as_view(), name="visit-reschedule"),
]
