"""The CRM API: clients and their contacts, the agency's pipeline and automation, leads
(list, create, change, move through the pipeline, assign), interactions and tasks.

Who may do what is in ``selectors.crm`` (its docstring): the agency's agents work its
clients, their own and unassigned leads and their own tasks; managers and above every lead
and task, and delete clients and leads; admins configure the pipeline and automation.
Another agency's objects answer 404, a member whose role is too low 403. Lists are
cursor-paginated (``cursor`` from ``next``, ``page_size`` up to 100).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.errors import CoreError, NotFound
from teranga.core.pagination import CursorPagination, PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query
from teranga.platform.organizations.errors import OrganizationError

from ..errors import RealEstateError
from ..selectors import crm as selectors
from ..services import crm as services
from ..services import crm_tasks as task_services
from . import crm_serializers as s

TAG = ["realestate crm"]
ORG_ID = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
CLIENT_ID = OpenApiParameter("client_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
CONTACT_ID = OpenApiParameter("contact_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
STAGE_ID = OpenApiParameter("stage_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
LEAD_ID = OpenApiParameter("lead_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
TASK_ID = OpenApiParameter("task_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
AGENCY_400 = [CoreError.INVALID, RealEstateError.AGENCY_KIND_NOT_SUPPORTED]
AGENCY_404 = [OrganizationError.ORGANIZATION_NOT_FOUND]
CLIENT_404 = [RealEstateError.CLIENT_NOT_FOUND]
LEAD_404 = [RealEstateError.LEAD_NOT_FOUND]
TASK_404 = [RealEstateError.TASK_NOT_FOUND]
PHONE_400 = [CoreError.INVALID, CoreError.INVALID_PHONE]


class CrmCursorPagination(CursorPagination):
    page_size = 20
    ordering = "-created_at"


class InteractionCursorPagination(CursorPagination):
    page_size = 20
    ordering = "-occurred_at"


class TaskCursorPagination(CursorPagination):
    page_size = 20
    ordering = "due_at"


class CrmView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    pagination_class = CrmCursorPagination

    def agency(self, organization_id, action=selectors.CRM_VIEW):
        return selectors.crm_agency(
            user=self.request.user, organization_id=organization_id, action=action
        )

    def may_manage(self, organization) -> bool:
        from teranga.platform.organizations import access

        return access.can(
            self.request.user,
            organization,
            selectors.CRM_MANAGE,
            getattr(organization, "current_membership", None),
        )

    def valid(self, serializer_class, *, instance=None, partial=False) -> dict:
        serializer = serializer_class(instance, data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def _client_response(client_id, status_code=status.HTTP_200_OK) -> Response:
    client = selectors.client_detail(client_id=client_id)
    return Response(s.RealEstateClientSerializer(client).data, status=status_code)


def _lead_data(lead_id) -> dict:
    return s.RealEstateLeadSerializer(selectors.lead_detail(lead_id=lead_id)).data


# --- Clients ---------------------------------------------------------------------------------


class AgencyClientsView(CrmView):
    serializer_class = s.RealEstateClientSerializer

    @extend_schema(
        tags=TAG,
        summary="The agency's clients (agents and above)",
        description="Newest first. `q` finds a phone number exactly (the client's or one of "
        "its contacts', read in the agency's country) or every word in the name or email "
        "(accents and case ignored); `kind` keeps people or companies.",
        parameters=[ORG_ID, s.RealEstateClientQuerySerializer],
        responses={200: s.RealEstateClientSerializer(many=True)},
        extensions=error_codes({400: AGENCY_400, 404: AGENCY_404}),
    )
    def get(self, request, organization_id):
        organization = self.agency(organization_id)
        query = validated_query(s.RealEstateClientQuerySerializer, request).validated_data
        clients = selectors.clients_list(
            organization=organization, q=query.get("q", ""), kind=query.get("kind", "")
        )
        return self.paginated(clients, s.RealEstateClientSerializer)

    @extend_schema(
        tags=TAG,
        summary="Add a client (agents and above)",
        description="A person or a company. The email is stored lower-case, the phone as "
        "E.164 (read in the agency's country; 400 `invalid_phone`), encrypted. "
        "`consent_given: true` records the GDPR consent now, with the channel and purpose "
        "flags. `link_account: true` links the account that uses the client's email.",
        parameters=[ORG_ID],
        request=s.RealEstateClientWriteSerializer,
        responses={201: s.RealEstateClientSerializer},
        extensions=error_codes({400: [*AGENCY_400, *PHONE_400], 404: AGENCY_404}),
    )
    def post(self, request, organization_id):
        organization = self.agency(organization_id)
        fields = self.valid(s.RealEstateClientWriteSerializer)
        client = services.client_create(organization=organization, actor=request.user, **fields)
        return _client_response(client.pk, status.HTTP_201_CREATED)


class ClientDetailView(CrmView):
    serializer_class = s.RealEstateClientSerializer

    @extend_schema(
        tags=TAG,
        summary="One client (agents and above)",
        parameters=[CLIENT_ID],
        responses={200: s.RealEstateClientSerializer},
        extensions=error_codes({404: CLIENT_404}),
    )
    def get(self, request, client_id):
        client = selectors.client_for(user=request.user, client_id=client_id)
        return _client_response(client.pk)

    @extend_schema(
        tags=TAG,
        summary="Change a client (agents and above)",
        description="Any field of the creation. `consent_given: false` withdraws the "
        "consent now (its date is kept). The client's leads are re-scored.",
        parameters=[CLIENT_ID],
        request=s.RealEstateClientWriteSerializer(partial=True),
        responses={200: s.RealEstateClientSerializer},
        extensions=error_codes({400: PHONE_400, 404: CLIENT_404}),
    )
    def patch(self, request, client_id):
        client = selectors.client_for(user=request.user, client_id=client_id)
        fields = self.valid(s.RealEstateClientWriteSerializer, partial=True)
        services.client_update(client=client, actor=request.user, **fields)
        return _client_response(client.pk)

    @extend_schema(
        tags=TAG,
        summary="Delete a client (managers and above)",
        description="With its contacts, leads, interactions and tasks.",
        parameters=[CLIENT_ID],
        responses={204: None},
        extensions=error_codes({404: CLIENT_404}),
    )
    def delete(self, request, client_id):
        client = selectors.client_for(
            user=request.user, client_id=client_id, action=selectors.CRM_MANAGE
        )
        services.client_delete(client=client)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClientContactsView(CrmView):
    serializer_class = s.RealEstateContactSerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="A client's contacts (agents and above)",
        description="Oldest first, at most 20: not paginated.",
        parameters=[CLIENT_ID],
        responses={200: s.RealEstateContactSerializer(many=True)},
        extensions=error_codes({404: CLIENT_404}),
    )
    def get(self, request, client_id):
        client = selectors.client_for(user=request.user, client_id=client_id)
        return Response(s.RealEstateContactSerializer(client.contacts.all(), many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Add a contact to a client (agents and above)",
        description="Name, role, email and phone of someone to talk to (at a company). At "
        "most 20 (400 `too_many_contacts`).",
        parameters=[CLIENT_ID],
        request=s.RealEstateContactWriteSerializer,
        responses={201: s.RealEstateContactSerializer},
        extensions=error_codes(
            {400: [*PHONE_400, RealEstateError.TOO_MANY_CONTACTS], 404: CLIENT_404}
        ),
    )
    def post(self, request, client_id):
        client = selectors.client_for(user=request.user, client_id=client_id)
        fields = self.valid(s.RealEstateContactWriteSerializer)
        contact = services.contact_add(client=client, **fields)
        return Response(s.RealEstateContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class ClientContactView(CrmView):
    serializer_class = s.RealEstateContactSerializer

    @extend_schema(
        tags=TAG,
        summary="Change a client's contact (agents and above)",
        parameters=[CLIENT_ID, CONTACT_ID],
        request=s.RealEstateContactWriteSerializer(partial=True),
        responses={200: s.RealEstateContactSerializer},
        extensions=error_codes(
            {400: PHONE_400, 404: [*CLIENT_404, RealEstateError.CONTACT_NOT_FOUND]}
        ),
    )
    def patch(self, request, client_id, contact_id):
        client = selectors.client_for(user=request.user, client_id=client_id)
        contact = selectors.contact_for(client=client, contact_id=contact_id)
        fields = self.valid(s.RealEstateContactWriteSerializer, partial=True)
        contact = services.contact_update(
            contact=contact, organization=client.organization, **fields
        )
        return Response(s.RealEstateContactSerializer(contact).data)

    @extend_schema(
        tags=TAG,
        summary="Remove a client's contact (agents and above)",
        parameters=[CLIENT_ID, CONTACT_ID],
        responses={204: None},
        extensions=error_codes({404: [*CLIENT_404, RealEstateError.CONTACT_NOT_FOUND]}),
    )
    def delete(self, request, client_id, contact_id):
        client = selectors.client_for(user=request.user, client_id=client_id)
        contact = selectors.contact_for(client=client, contact_id=contact_id)
        services.contact_delete(contact=contact)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClientInteractionsView(CrmView):
    serializer_class = s.RealEstateInteractionSerializer
    pagination_class = InteractionCursorPagination

    @extend_schema(
        tags=TAG,
        summary="Interactions with a client (agents and above)",
        description="Calls, emails, WhatsApp messages, meetings and notes, newest first.",
        parameters=[CLIENT_ID],
        responses={200: s.RealEstateInteractionSerializer(many=True)},
        extensions=error_codes({404: CLIENT_404}),
    )
    def get(self, request, client_id):
        client = selectors.client_for(user=request.user, client_id=client_id)
        return self.paginated(
            selectors.interactions_list(client=client), s.RealEstateInteractionSerializer
        )

    @extend_schema(
        tags=TAG,
        summary="Record an interaction with a client (agents and above)",
        description="`occurred_at` defaults to now; `lead` (optional) is one of the "
        "client's leads (400 `lead_not_found`). The client's leads are re-scored.",
        parameters=[CLIENT_ID],
        request=s.RealEstateClientInteractionWriteSerializer,
        responses={201: s.RealEstateInteractionSerializer},
        extensions=error_codes(
            {400: [CoreError.INVALID, RealEstateError.LEAD_NOT_FOUND], 404: CLIENT_404}
        ),
    )
    def post(self, request, client_id):
        from django.utils.translation import gettext as _

        from teranga.core.errors import ValidationFailed

        client = selectors.client_for(user=request.user, client_id=client_id)
        fields = self.valid(s.RealEstateClientInteractionWriteSerializer)
        lead_id = fields.pop("lead", None)
        lead = None
        if lead_id is not None:
            lead = selectors.client_lead(client=client, lead_id=lead_id)
            if lead is None:
                message = _("Choose one of this client's leads.")
                raise ValidationFailed(
                    message, code=RealEstateError.LEAD_NOT_FOUND, fields={"lead": [message]}
                )
        interaction = task_services.interaction_create(
            client=client, actor=request.user, lead=lead, **fields
        )
        return Response(
            s.RealEstateInteractionSerializer(interaction).data, status=status.HTTP_201_CREATED
        )


# --- Pipeline and automation -----------------------------------------------------------------


class AgencyStagesView(CrmView):
    serializer_class = s.RealEstateStageSerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="The agency's pipeline (agents and above)",
        description="Its stages in order (at most 20: not paginated), each open, won or "
        "lost. The default pipeline (new → qualified → visiting → offer → won / lost) is "
        "created the first time it is asked for.",
        parameters=[ORG_ID],
        responses={200: s.RealEstateStageSerializer(many=True)},
        extensions=error_codes({400: AGENCY_400, 404: AGENCY_404}),
    )
    def get(self, request, organization_id):
        organization = self.agency(organization_id)
        stages = services.pipeline_ensure(organization=organization)
        return Response(s.RealEstateStageSerializer(stages, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Add a stage to the pipeline (admins and owners)",
        description="At `position` (0 is first; default last); the others shift. Names "
        "are unique in the pipeline, case ignored (400 `stage_name_taken`); at most 20 "
        "stages (400 `too_many_stages`).",
        parameters=[ORG_ID],
        request=s.RealEstateStageCreateSerializer,
        responses={201: s.RealEstateStageSerializer},
        extensions=error_codes(
            {
                400: [
                    *AGENCY_400,
                    RealEstateError.STAGE_NAME_TAKEN,
                    RealEstateError.TOO_MANY_STAGES,
                ],
                404: AGENCY_404,
            }
        ),
    )
    def post(self, request, organization_id):
        organization = self.agency(organization_id, action=selectors.SETTINGS_MANAGE)
        fields = self.valid(s.RealEstateStageCreateSerializer)
        stage = services.stage_create(organization=organization, **fields)
        return Response(s.RealEstateStageSerializer(stage).data, status=status.HTTP_201_CREATED)


class AgencyStagesReorderView(CrmView):
    serializer_class = s.RealEstateStageSerializer

    @extend_schema(
        tags=TAG,
        summary="Reorder the pipeline (admins and owners)",
        description="`stages` lists every stage of the pipeline once, in the new order "
        "(400 `invalid` otherwise). Answers the pipeline in its new order.",
        parameters=[ORG_ID],
        request=s.RealEstateStageReorderSerializer,
        responses={200: s.RealEstateStageSerializer(many=True)},
        extensions=error_codes({400: AGENCY_400, 404: AGENCY_404}),
    )
    def post(self, request, organization_id):
        organization = self.agency(organization_id, action=selectors.SETTINGS_MANAGE)
        fields = self.valid(s.RealEstateStageReorderSerializer)
        services.pipeline_ensure(organization=organization)
        stages = services.stages_reorder(organization=organization, stage_ids=fields["stages"])
        return Response(s.RealEstateStageSerializer(stages, many=True).data)


class StageDetailView(CrmView):
    serializer_class = s.RealEstateStageSerializer

    @extend_schema(
        tags=TAG,
        summary="Rename a stage or change its kind (admins and owners)",
        description="400 `stage_name_taken` for a name another stage has.",
        parameters=[STAGE_ID],
        request=s.RealEstateStageUpdateSerializer,
        responses={200: s.RealEstateStageSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, RealEstateError.STAGE_NAME_TAKEN],
                404: [RealEstateError.STAGE_NOT_FOUND],
            }
        ),
    )
    def patch(self, request, stage_id):
        stage = selectors.stage_for(user=request.user, stage_id=stage_id)
        fields = self.valid(s.RealEstateStageUpdateSerializer)
        stage = services.stage_update(stage=stage, **fields)
        return Response(s.RealEstateStageSerializer(stage).data)


class AgencyAutomationView(CrmView):
    serializer_class = s.RealEstateAutomationSerializer

    @extend_schema(
        tags=TAG,
        summary="The agency's CRM automation (admins and owners)",
        description="What happens when a lead is assigned: a follow-up task for the agent "
        "(`assignment_task`, due `assignment_task_due_hours` later) and a notification "
        "(`assignment_notify`). Both on by default.",
        parameters=[ORG_ID],
        responses={200: s.RealEstateAutomationSerializer},
        extensions=error_codes({400: AGENCY_400, 404: AGENCY_404}),
    )
    def get(self, request, organization_id):
        organization = self.agency(organization_id, action=selectors.SETTINGS_MANAGE)
        row = selectors.automation_for(organization=organization)
        return Response(s.RealEstateAutomationSerializer(row).data)

    @extend_schema(
        tags=TAG,
        summary="Change the agency's CRM automation (admins and owners)",
        parameters=[ORG_ID],
        request=s.RealEstateAutomationSerializer,
        responses={200: s.RealEstateAutomationSerializer},
        extensions=error_codes({400: AGENCY_400, 404: AGENCY_404}),
    )
    def patch(self, request, organization_id):
        organization = self.agency(organization_id, action=selectors.SETTINGS_MANAGE)
        fields = self.valid(s.RealEstateAutomationSerializer)
        row = services.automation_update(organization=organization, **fields)
        return Response(s.RealEstateAutomationSerializer(row).data)


# --- Leads -----------------------------------------------------------------------------------

LEAD_WRITE_400 = [
    CoreError.INVALID,
    RealEstateError.AGENT_NOT_MEMBER,
    RealEstateError.STAGE_NOT_FOUND,
    RealEstateError.PROPERTY_NOT_FOUND,
]


class AgencyLeadsView(CrmView):
    serializer_class = s.RealEstateLeadSerializer

    @extend_schema(
        tags=TAG,
        summary="The agency's leads (agents and above)",
        description="Newest first. Managers and above see every lead; an agent sees theirs "
        "and the unassigned ones. Filters: `stage`, `agent`, `unassigned`, `source`, "
        "`client`. Each lead has its score (0-100) and the points of each signal.",
        parameters=[ORG_ID, s.RealEstateLeadQuerySerializer],
        responses={200: s.RealEstateLeadSerializer(many=True)},
        extensions=error_codes({400: AGENCY_400, 404: AGENCY_404}),
    )
    def get(self, request, organization_id):
        organization = self.agency(organization_id)
        query = validated_query(s.RealEstateLeadQuerySerializer, request).validated_data
        leads = selectors.leads_list(
            user=request.user,
            organization=organization,
            may_manage=self.may_manage(organization),
            **query,
        )
        return self.paginated(leads, s.RealEstateLeadSerializer)

    @extend_schema(
        tags=TAG,
        summary="Add a lead (agents and above)",
        description="A lead of a client of the agency (404 `client_not_found`), in `stage` "
        "(default the first open stage; 400 `stage_not_found` for a stage of no pipeline "
        "of the agency), with an optional property of the agency (400 "
        "`property_not_found`). `agent` defaults to the caller; managers choose another "
        "agent or nobody (403 for an agent; 400 `agent_not_member`). An assigned lead "
        "gets the agency's automation: a follow-up task and a notification to the agent. "
        "The creation is the first entry of the lead's history.",
        parameters=[ORG_ID],
        request=s.RealEstateLeadCreateSerializer,
        responses={201: s.RealEstateLeadSerializer},
        extensions=error_codes(
            {
                400: [*LEAD_WRITE_400, RealEstateError.AGENCY_KIND_NOT_SUPPORTED],
                404: [*AGENCY_404, *CLIENT_404],
            }
        ),
    )
    def post(self, request, organization_id):
        organization = self.agency(organization_id)
        fields = self.valid(s.RealEstateLeadCreateSerializer)
        client = selectors.client_for(user=request.user, client_id=fields.pop("client"))
        if client.organization_id != organization.pk:
            raise NotFound(code=RealEstateError.CLIENT_NOT_FOUND)
        lead = services.lead_create(
            organization=organization,
            actor=request.user,
            client=client,
            agent_id=fields.pop("agent", services.UNSET),
            stage_id=fields.pop("stage", None),
            property_id=fields.pop("property", None),
            **fields,
        )
        return Response(_lead_data(lead.pk), status=status.HTTP_201_CREATED)


class LeadDetailView(CrmView):
    serializer_class = s.RealEstateLeadSerializer

    @extend_schema(
        tags=TAG,
        summary="One lead (its agent, managers and above)",
        description="An agent reads their own leads and the unassigned ones (403 for "
        "another agent's).",
        parameters=[LEAD_ID],
        responses={200: s.RealEstateLeadSerializer},
        extensions=error_codes({404: LEAD_404}),
    )
    def get(self, request, lead_id):
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)
        return Response(s.RealEstateLeadSerializer(lead).data)

    @extend_schema(
        tags=TAG,
        summary="Change a lead (its agent, managers and above)",
        description="Source, budget, currency, notes, property of interest. The stage "
        "changes through `…/move/`, the agent through `…/assign/`. Re-scored.",
        parameters=[LEAD_ID],
        request=s.RealEstateLeadUpdateSerializer,
        responses={200: s.RealEstateLeadSerializer},
        extensions=error_codes(
            {400: [CoreError.INVALID, RealEstateError.PROPERTY_NOT_FOUND], 404: LEAD_404}
        ),
    )
    def patch(self, request, lead_id):
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)
        fields = self.valid(s.RealEstateLeadUpdateSerializer)
        lead = services.lead_update(lead=lead, **fields)
        return Response(_lead_data(lead.pk))

    @extend_schema(
        tags=TAG,
        summary="Delete a lead (managers and above)",
        description="With its history, interactions and tasks.",
        parameters=[LEAD_ID],
        responses={204: None},
        extensions=error_codes({404: LEAD_404}),
    )
    def delete(self, request, lead_id):
        lead = selectors.lead_for(user=request.user, lead_id=lead_id, action=selectors.CRM_MANAGE)
        services.lead_delete(lead=lead)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LeadMoveView(CrmView):
    serializer_class = s.RealEstateLeadSerializer

    @extend_schema(
        tags=TAG,
        summary="Move a lead to another stage (its agent, managers and above)",
        description="Any stage of the agency's pipeline (400 `stage_not_found`). The move "
        "is recorded in the lead's history: who, when, from and to. Moving a lead to the "
        "stage it is in changes nothing.",
        parameters=[LEAD_ID],
        request=s.RealEstateLeadMoveSerializer,
        responses={200: s.RealEstateLeadSerializer},
        extensions=error_codes(
            {400: [CoreError.INVALID, RealEstateError.STAGE_NOT_FOUND], 404: LEAD_404}
        ),
    )
    def post(self, request, lead_id):
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)
        fields = self.valid(s.RealEstateLeadMoveSerializer)
        services.lead_move(lead=lead, actor=request.user, stage_id=fields["stage"])
        return Response(_lead_data(lead.pk))


class LeadAssignView(CrmView):
    serializer_class = s.RealEstateLeadSerializer

    @extend_schema(
        tags=TAG,
        summary="Assign a lead (agents take one; managers give any)",
        description="An agent may take an unassigned lead for themselves; managers and "
        "above give a lead to any agent of the agency or to nobody (`null`; 403 for an "
        "agent; 400 `agent_not_member`). A new agent gets the automation's follow-up task "
        "and a notification.",
        parameters=[LEAD_ID],
        request=s.RealEstateLeadAssignSerializer,
        responses={200: s.RealEstateLeadSerializer},
        extensions=error_codes(
            {400: [CoreError.INVALID, RealEstateError.AGENT_NOT_MEMBER], 404: LEAD_404}
        ),
    )
    def post(self, request, lead_id):
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)
        fields = self.valid(s.RealEstateLeadAssignSerializer)
        services.lead_assign(lead=lead, actor=request.user, agent_id=fields["agent"])
        return Response(_lead_data(lead.pk))


class LeadHistoryView(CrmView):
    serializer_class = s.RealEstateStageChangeSerializer

    @extend_schema(
        tags=TAG,
        summary="A lead's moves through the pipeline (its agent, managers and above)",
        description="Newest first; the creation is the first move (`from_name` empty).",
        parameters=[LEAD_ID],
        responses={200: s.RealEstateStageChangeSerializer(many=True)},
        extensions=error_codes({404: LEAD_404}),
    )
    def get(self, request, lead_id):
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)
        return self.paginated(
            selectors.lead_stage_changes(lead=lead), s.RealEstateStageChangeSerializer
        )


class LeadInteractionsView(CrmView):
    serializer_class = s.RealEstateInteractionSerializer
    pagination_class = InteractionCursorPagination

    @extend_schema(
        tags=TAG,
        summary="Interactions about a lead (its agent, managers and above)",
        description="Newest first.",
        parameters=[LEAD_ID],
        responses={200: s.RealEstateInteractionSerializer(many=True)},
        extensions=error_codes({404: LEAD_404}),
    )
    def get(self, request, lead_id):
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)
        return self.paginated(
            selectors.interactions_list(lead=lead), s.RealEstateInteractionSerializer
        )

    @extend_schema(
        tags=TAG,
        summary="Record an interaction about a lead (its agent, managers and above)",
        description="With the lead's client; `occurred_at` defaults to now. Re-scores the "
        "client's leads.",
        parameters=[LEAD_ID],
        request=s.RealEstateInteractionWriteSerializer,
        responses={201: s.RealEstateInteractionSerializer},
        extensions=error_codes({400: [CoreError.INVALID], 404: LEAD_404}),
    )
    def post(self, request, lead_id):
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)
        fields = self.valid(s.RealEstateInteractionWriteSerializer)
        interaction = task_services.interaction_create(
            client=lead.client, actor=request.user, lead=lead, **fields
        )
        return Response(
            s.RealEstateInteractionSerializer(interaction).data, status=status.HTTP_201_CREATED
        )


# --- Tasks -----------------------------------------------------------------------------------

TASK_400 = [CoreError.INVALID, RealEstateError.ASSIGNEE_NOT_MEMBER]


class AgencyTasksView(CrmView):
    serializer_class = s.RealEstateTaskSerializer
    pagination_class = TaskCursorPagination

    @extend_schema(
        tags=TAG,
        summary="The agency's tasks (agents and above)",
        description="Soonest due first. Managers and above see every task; an agent the "
        "tasks assigned to them or created by them. Filters: `done`, `assignee`, `lead`, "
        "`client`.",
        parameters=[ORG_ID, s.RealEstateTaskQuerySerializer],
        responses={200: s.RealEstateTaskSerializer(many=True)},
        extensions=error_codes({400: AGENCY_400, 404: AGENCY_404}),
    )
    def get(self, request, organization_id):
        organization = self.agency(organization_id)
        query = validated_query(s.RealEstateTaskQuerySerializer, request).validated_data
        tasks = selectors.tasks_list(
            user=request.user,
            organization=organization,
            may_manage=self.may_manage(organization),
            **query,
        )
        return self.paginated(tasks, s.RealEstateTaskSerializer)

    @extend_schema(
        tags=TAG,
        summary="Add a task (agents and above)",
        description="On a `lead` the caller may work (404 `lead_not_found`) or a `client` "
        "of the agency (404 `client_not_found`): one of them. `assignee` defaults to the "
        "caller; managers assign anyone of the agency (403 for an agent; 400 "
        "`assignee_not_member`). `remind_at` (at or before `due_at`) sends the assignee "
        "a reminder, once.",
        parameters=[ORG_ID],
        request=s.RealEstateTaskCreateSerializer,
        responses={201: s.RealEstateTaskSerializer},
        extensions=error_codes(
            {
                400: [*TASK_400, RealEstateError.AGENCY_KIND_NOT_SUPPORTED],
                404: [*AGENCY_404, *LEAD_404, *CLIENT_404],
            }
        ),
    )
    def post(self, request, organization_id):
        organization = self.agency(organization_id)
        fields = self.valid(s.RealEstateTaskCreateSerializer)
        lead = client = None
        if "lead" in fields:
            lead = selectors.lead_for(user=request.user, lead_id=fields.pop("lead"))
            if lead.organization_id != organization.pk:
                raise NotFound(code=RealEstateError.LEAD_NOT_FOUND)
        else:
            client = selectors.client_for(user=request.user, client_id=fields.pop("client"))
            if client.organization_id != organization.pk:
                raise NotFound(code=RealEstateError.CLIENT_NOT_FOUND)
        task = task_services.task_create(
            organization=organization,
            actor=request.user,
            lead=lead,
            client=client,
            assignee_id=fields.pop("assignee", services.UNSET),
            **fields,
        )
        return Response(s.RealEstateTaskSerializer(task).data, status=status.HTTP_201_CREATED)


class MyTasksView(CrmView):
    serializer_class = s.RealEstateTaskSerializer
    pagination_class = TaskCursorPagination

    @extend_schema(
        tags=TAG,
        summary="My tasks, in every agency",
        description="The tasks assigned to the caller in the agencies where they are an "
        "agent or above, soonest due first; open ones by default (`done`).",
        parameters=[s.RealEstateMyTasksQuerySerializer],
        responses={200: s.RealEstateTaskSerializer(many=True)},
        extensions=error_codes({400: [CoreError.INVALID]}),
    )
    def get(self, request):
        query = validated_query(s.RealEstateMyTasksQuerySerializer, request).validated_data
        tasks = selectors.tasks_mine(user=request.user, done=query["done"])
        return self.paginated(tasks, s.RealEstateTaskSerializer)


class TaskDetailView(CrmView):
    serializer_class = s.RealEstateTaskSerializer

    @extend_schema(
        tags=TAG,
        summary="One task (its assignee or creator, managers and above)",
        parameters=[TASK_ID],
        responses={200: s.RealEstateTaskSerializer},
        extensions=error_codes({404: TASK_404}),
    )
    def get(self, request, task_id):
        task = selectors.task_for(user=request.user, task_id=task_id)
        return Response(s.RealEstateTaskSerializer(task).data)

    @extend_schema(
        tags=TAG,
        summary="Change a task (its assignee or creator, managers and above)",
        description="Any field of the creation but its lead or client, and `done` (false "
        "reopens it). A new `remind_at` re-arms the reminder. Reassigning follows the "
        "creation's rules.",
        parameters=[TASK_ID],
        request=s.RealEstateTaskUpdateSerializer,
        responses={200: s.RealEstateTaskSerializer},
        extensions=error_codes({400: TASK_400, 404: TASK_404}),
    )
    def patch(self, request, task_id):
        task = selectors.task_for(user=request.user, task_id=task_id)
        serializer = s.RealEstateTaskUpdateSerializer(task, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        task = task_services.task_update(
            task=task,
            actor=request.user,
            assignee_id=fields.pop("assignee", services.UNSET),
            **fields,
        )
        return Response(s.RealEstateTaskSerializer(task).data)

    @extend_schema(
        tags=TAG,
        summary="Delete a task (its assignee or creator, managers and above)",
        parameters=[TASK_ID],
        responses={204: None},
        extensions=error_codes({404: TASK_404}),
    )
    def delete(self, request, task_id):
        task = selectors.task_for(user=request.user, task_id=task_id)
        task_services.task_delete(task=task)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskCompleteView(CrmView):
    serializer_class = s.RealEstateTaskSerializer

    @extend_schema(
        tags=TAG,
        summary="Mark a task done (its assignee or creator, managers and above)",
        description="Completing a done task changes nothing. No body.",
        parameters=[TASK_ID],
        request=None,
        responses={200: s.RealEstateTaskSerializer},
        extensions=error_codes({404: TASK_404}),
    )
    def post(self, request, task_id):
        task = selectors.task_for(user=request.user, task_id=task_id)
        task = task_services.task_complete(task=task)
        return Response(s.RealEstateTaskSerializer(task).data)
