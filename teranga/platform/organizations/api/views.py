"""Organisation endpoints. Each view validates input, calls one service or selector and
serializes the result. Access is decided by ``access.OrganizationAccess`` from the
``organization_actions`` each view declares (roles per action: see ``access.ACTIONS``):

* directory, organisation, branches, closures: public when the organisation is verified;
  otherwise members (and staff) only — anyone else gets 404;
* members list: manager and above; role changes and removals: admin and above (anyone
  may leave); invitations: admin and above;
* verification: admin and above (and staff) read and upload; the decision is staff only.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.pagination import PaginatedViewMixin
from teranga.core.public_cache import PublicCacheMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer

from .. import selectors, services
from ..access import OrganizationAccess
from ..errors import OrganizationError
from ..public_cache import DIRECTORY, organization_scope
from . import examples
from . import serializers as s
from .filters import OrganizationDirectoryFilter

ORG_ID = OpenApiParameter(
    "organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Organisation UUID"
)
TAG = ["organizations"]


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


LOGO_ERRORS = {
    401: _error("Missing or invalid access token."),
    403: _error("A member below admin."),
    404: _error("No such organisation, or not a member of it."),
}


def _is_insider(request) -> bool:
    """A member of the organisation in the URL, or staff."""
    organization = request.organization
    return organization.current_membership is not None or bool(
        request.user.is_authenticated and request.user.is_staff
    )


class OrganizationScopedView(PaginatedViewMixin, GenericAPIView):
    permission_classes = [OrganizationAccess]
    organization_actions: dict[str, str] = {}
    filter_backends: list = []

    #: Set by OrganizationAccess: the organisation in the URL, with ``current_membership``.
    organization = None


class OrganizationPublicReadView(PublicCacheMixin, OrganizationScopedView):
    """A read that is public for a verified organisation: HTTP-cached (ETag, 304), and
    kept server-side for anonymous callers until the organisation changes."""

    def public_cache_scopes(self, request, **kwargs):
        return [organization_scope(kwargs["organization_id"])]


# --- Organisations ---------------------------------------------------------------------


class OrganizationListCreateView(PublicCacheMixin, GenericAPIView):
    """GET: the public directory of verified organisations (HTTP-cached). POST: create
    one."""

    serializer_class = s.OrganizationPublicSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = OrganizationDirectoryFilter
    ordering_fields = ["name", "city", "created_at", "verified_at"]
    ordering = ["name"]

    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        self.throttle_scope = "directory" if self.request.method == "GET" else "organization_create"
        return super().get_throttles()

    def get_queryset(self):
        return selectors.organization_directory()

    def public_cache_scopes(self, request, **kwargs):
        return [DIRECTORY]

    @extend_schema(
        tags=TAG,
        summary="Directory of verified organisations",
        description="Public. Filter by `kind`, `region` (code), `city`; search with `q`; "
        "order with `ordering` (name, city, created_at, verified_at).",
        responses={200: s.OrganizationPublicSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            s.OrganizationPublicSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        tags=TAG,
        summary="Create an organisation",
        description="The organisation starts `pending` verification; the caller becomes its "
        "owner. The logo is uploaded afterwards (`PUT /organizations/{id}/logo/`). "
        "`contact_phone` may be national, read in the organisation's `country` (400 "
        "`invalid_phone` when it is not a number).",
        extensions=error_codes({400: [CoreError.INVALID_PHONE]}),
        request=s.OrganizationWriteSerializer,
        responses={201: s.OrganizationPrivateSerializer},
        examples=examples.ORGANIZATION_CREATE,
    )
    def post(self, request):
        serializer = s.OrganizationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = services.organization_create(user=request.user, **serializer.validated_data)
        return Response(
            s.OrganizationPrivateSerializer(organization, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class MyOrganizationsView(GenericAPIView):
    serializer_class = s.MyOrganizationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return selectors.organizations_of_user(user=None).none()
        return selectors.organizations_of_user(user=self.request.user)

    @extend_schema(
        tags=TAG,
        summary="The organisations I belong to, with my role",
        responses={200: s.MyOrganizationSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            s.MyOrganizationSerializer(page, many=True, context={"request": request}).data
        )


class OrganizationDetailView(OrganizationPublicReadView):
    organization_actions = {
        "GET": "organization.view",
        "PATCH": "organization.update",
        "DELETE": "organization.delete",
    }
    serializer_class = s.OrganizationPrivateSerializer

    @extend_schema(
        tags=TAG,
        summary="One organisation",
        description="Public fields for a verified organisation; members and staff also get "
        "the private fields (legal identifiers, settings, `my_role`). A non-verified "
        "organisation is 404 to non-members.",
        parameters=[ORG_ID],
        responses={
            200: PolymorphicProxySerializer(
                component_name="OrganizationView",
                serializers=[s.OrganizationPrivateSerializer, s.OrganizationPublicSerializer],
                resource_type_field_name=None,
            )
        },
    )
    def get(self, request, organization_id):
        serializer = (
            s.OrganizationPrivateSerializer
            if _is_insider(request)
            else s.OrganizationPublicSerializer
        )
        return Response(serializer(self.organization, context={"request": request}).data)

    @extend_schema(
        tags=TAG,
        summary="Update an organisation (admin and above)",
        description="The logo is changed through `PUT /organizations/{id}/logo/`. "
        "`contact_phone` may be national, read in the organisation's `country` (400 "
        "`invalid_phone` when it is not a number).",
        extensions=error_codes({400: [CoreError.INVALID_PHONE]}),
        parameters=[ORG_ID],
        request=s.OrganizationUpdateSerializer,
        responses={200: s.OrganizationPrivateSerializer},
    )
    def patch(self, request, organization_id):
        serializer = s.OrganizationUpdateSerializer(
            self.organization, data=request.data, partial=True
        )
        serializer.is_valid(raise_exception=True)
        organization = services.organization_update(
            organization=self.organization, **serializer.validated_data
        )
        return Response(
            s.OrganizationPrivateSerializer(organization, context={"request": request}).data
        )

    @extend_schema(
        tags=TAG,
        summary="Delete an organisation (owner only)",
        description="Refused (409 `organization_in_use`) while records that must be kept "
        "(payments, invoices, bookings, queues…) belong to it; 409 `in_use` if other "
        "records still depend on it (the error handler's net).",
        parameters=[ORG_ID],
        responses={204: None},
        extensions=error_codes({409: [OrganizationError.ORGANIZATION_IN_USE, CoreError.IN_USE]}),
    )
    def delete(self, request, organization_id):
        services.organization_delete(organization=self.organization)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganizationLogoView(OrganizationScopedView):
    """The organisation's logo: an upload endpoint (multipart/form-data only)."""

    organization_actions = {"PUT": "organization.update", "DELETE": "organization.update"}
    serializer_class = s.OrganizationPrivateSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAG,
        summary="Upload the organisation's logo (admin and above)",
        description="multipart/form-data with `logo`: a JPEG, PNG, WebP or GIF image, "
        "checked by content (400 `invalid`, the reason under `fields.logo`). Replaces the "
        "current logo. Answers the organisation, whose `logo` is the new image's URL. 403 "
        "below admin; 404 `organization_not_found` for another organisation.",
        parameters=[ORG_ID],
        request={"multipart/form-data": s.OrganizationLogoUploadSerializer},
        responses={
            200: s.OrganizationPrivateSerializer,
            400: _error("No `logo`, or not a valid image."),
            **LOGO_ERRORS,
            413: _error("The upload is too large."),
            415: _error("Not multipart/form-data."),
        },
        extensions=error_codes({404: [OrganizationError.ORGANIZATION_NOT_FOUND]}),
    )
    def put(self, request, organization_id):
        serializer = s.OrganizationLogoUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = services.organization_logo_set(
            organization=self.organization, logo=serializer.validated_data["logo"]
        )
        return Response(
            s.OrganizationPrivateSerializer(organization, context={"request": request}).data
        )

    @extend_schema(
        tags=TAG,
        summary="Remove the organisation's logo (admin and above)",
        description="Idempotent. 403 below admin; 404 `organization_not_found` for another "
        "organisation.",
        parameters=[ORG_ID],
        request=None,
        responses={204: None, **LOGO_ERRORS},
        extensions=error_codes({404: [OrganizationError.ORGANIZATION_NOT_FOUND]}),
    )
    def delete(self, request, organization_id):
        services.organization_logo_set(organization=self.organization, logo=None)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Members ---------------------------------------------------------------------------


class MemberListView(OrganizationScopedView):
    organization_actions = {"GET": "members.view"}
    serializer_class = s.MembershipSerializer

    @extend_schema(
        tags=TAG,
        summary="Members (manager and above)",
        parameters=[ORG_ID],
        responses={200: s.MembershipSerializer(many=True)},
    )
    def get(self, request, organization_id):
        return self.paginated(
            selectors.organization_members(organization=self.organization), s.MembershipSerializer
        )


class MemberDetailView(OrganizationScopedView):
    organization_actions = {"PATCH": "members.manage", "DELETE": "members.leave"}
    serializer_class = s.MembershipSerializer

    @extend_schema(
        tags=TAG,
        summary="Change a member's role (admin and above)",
        description="Nobody grants a role above their own; only owners make owners; the "
        "last owner cannot be demoted (409 `last_owner`).",
        parameters=[ORG_ID],
        request=s.MembershipRoleSerializer,
        responses={200: s.MembershipSerializer},
    )
    def patch(self, request, organization_id, membership_id):
        serializer = s.MembershipRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_update_role(
            actor=request.user,
            organization=self.organization,
            membership_id=membership_id,
            role=serializer.validated_data["role"],
        )
        return Response(s.MembershipSerializer(membership).data)

    @extend_schema(
        tags=TAG,
        summary="Remove a member (admin and above) or leave (yourself)",
        description="The last owner cannot leave or be removed (409 `last_owner`).",
        parameters=[ORG_ID],
        responses={204: None},
    )
    def delete(self, request, organization_id, membership_id):
        services.membership_remove(
            actor=request.user, organization=self.organization, membership_id=membership_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Invitations -----------------------------------------------------------------------


class InvitationListCreateView(OrganizationScopedView):
    organization_actions = {"*": "invitations.manage"}
    serializer_class = s.InvitationSerializer

    @extend_schema(
        tags=TAG,
        summary="Invitations (admin and above)",
        parameters=[ORG_ID],
        responses={200: s.InvitationSerializer(many=True)},
    )
    def get(self, request, organization_id):
        return self.paginated(
            selectors.organization_invitations(organization=self.organization),
            s.InvitationSerializer,
        )

    @extend_schema(
        tags=TAG,
        summary="Invite someone by email (admin and above)",
        description="The secret token is only sent by email (after commit); it expires in 7 days. "
        "A new invitation to the same address replaces the open one.",
        parameters=[ORG_ID],
        request=s.InvitationCreateSerializer,
        responses={201: s.InvitationSerializer},
    )
    def post(self, request, organization_id):
        serializer = s.InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            actor=request.user, organization=self.organization, **serializer.validated_data
        )
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailView(OrganizationScopedView):
    organization_actions = {"DELETE": "invitations.manage"}
    serializer_class = s.InvitationSerializer

    @extend_schema(
        tags=TAG,
        summary="Revoke an invitation (admin and above)",
        parameters=[ORG_ID],
        responses={204: None},
    )
    def delete(self, request, organization_id, invitation_id):
        services.invitation_revoke(organization=self.organization, invitation_id=invitation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(GenericAPIView):
    throttle_scope = "invitation_accept"
    serializer_class = s.InvitationAcceptedSerializer

    @extend_schema(
        tags=TAG,
        summary="Accept an invitation",
        description="The signed-in user's email must match the invitation (403 "
        "`invitation_email_mismatch`). Single use: 410 `invitation_used`, "
        "`invitation_revoked` or `invitation_expired`; 404 `invitation_not_found`; "
        "409 `already_member`.",
        request=None,
        responses={201: s.InvitationAcceptedSerializer},
    )
    def post(self, request, token):
        membership = services.invitation_accept(user=request.user, token=token)
        return Response(
            s.InvitationAcceptedSerializer(membership, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


# --- Branches --------------------------------------------------------------------------

BRANCH_ID = OpenApiParameter("branch_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class BranchListCreateView(OrganizationPublicReadView):
    organization_actions = {"GET": "branches.view", "POST": "branches.manage"}
    serializer_class = s.BranchSerializer

    @extend_schema(
        tags=TAG,
        summary="Branches (public for a verified organisation; inactive ones to members only)",
        parameters=[ORG_ID],
        responses={200: s.BranchSerializer(many=True)},
        auth=[],
    )
    def get(self, request, organization_id):
        queryset = selectors.organization_branches(
            organization=self.organization, active_only=not _is_insider(request)
        )
        return self.paginated(queryset, s.BranchSerializer)

    @extend_schema(
        tags=TAG,
        summary="Create a branch (manager and above)",
        description="`phone` may be national, read in the organisation's country (400 "
        "`invalid_phone` when it is not a number).",
        extensions=error_codes({400: [CoreError.INVALID_PHONE]}),
        parameters=[ORG_ID],
        request=s.BranchWriteSerializer,
        responses={201: s.BranchSerializer},
    )
    def post(self, request, organization_id):
        serializer = s.BranchWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        branch = services.branch_create(organization=self.organization, **serializer.validated_data)
        branch = selectors.branch_get(organization=self.organization, branch_id=branch.pk)
        return Response(s.BranchSerializer(branch).data, status=status.HTTP_201_CREATED)


class BranchDetailView(OrganizationPublicReadView):
    organization_actions = {
        "GET": "branches.view",
        "PATCH": "branches.manage",
        "DELETE": "branches.manage",
    }
    serializer_class = s.BranchSerializer

    @extend_schema(
        tags=TAG,
        summary="One branch",
        parameters=[ORG_ID, BRANCH_ID],
        responses={200: s.BranchSerializer},
        auth=[],
    )
    def get(self, request, organization_id, branch_id):
        branch = selectors.branch_get(
            organization=self.organization,
            branch_id=branch_id,
            active_only=not _is_insider(request),
        )
        return Response(s.BranchSerializer(branch).data)

    @extend_schema(
        tags=TAG,
        summary="Update a branch (manager and above)",
        description="`phone` may be national, read in the organisation's country (400 "
        "`invalid_phone` when it is not a number).",
        extensions=error_codes({400: [CoreError.INVALID_PHONE]}),
        parameters=[ORG_ID, BRANCH_ID],
        request=s.BranchUpdateSerializer,
        responses={200: s.BranchSerializer},
    )
    def patch(self, request, organization_id, branch_id):
        serializer = s.BranchUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.branch_update(
            organization=self.organization, branch_id=branch_id, **serializer.validated_data
        )
        return Response(
            s.BranchSerializer(
                selectors.branch_get(organization=self.organization, branch_id=branch_id)
            ).data
        )

    @extend_schema(
        tags=TAG,
        summary="Delete a branch (manager and above)",
        description="Refused (409 `branch_in_use`) while records that must be kept (a "
        "product's queue and its tickets, invoices…) belong to it; 409 `in_use` if other "
        "records still depend on it (the error handler's net).",
        parameters=[ORG_ID, BRANCH_ID],
        responses={204: None},
        extensions=error_codes({409: [OrganizationError.BRANCH_IN_USE, CoreError.IN_USE]}),
    )
    def delete(self, request, organization_id, branch_id):
        services.branch_delete(organization=self.organization, branch_id=branch_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OpeningHoursView(OrganizationPublicReadView):
    organization_actions = {"GET": "branches.view", "PUT": "branches.manage"}
    serializer_class = s.OpeningHoursSerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="Weekly opening hours of a branch",
        parameters=[ORG_ID, BRANCH_ID],
        responses={200: s.OpeningHoursSerializer(many=True)},
        auth=[],
    )
    def get(self, request, organization_id, branch_id):
        hours = selectors.branch_opening_hours(organization=self.organization, branch_id=branch_id)
        return Response(s.OpeningHoursSerializer(hours, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Replace the weekly opening hours (manager and above)",
        description="The whole week at once: a list of periods. Several periods per day are "
        "allowed if they do not overlap; an empty list means closed every day.",
        parameters=[ORG_ID, BRANCH_ID],
        request=s.OpeningHoursSerializer(many=True),
        responses={200: s.OpeningHoursSerializer(many=True)},
    )
    def put(self, request, organization_id, branch_id):
        serializer = s.OpeningHoursSerializer(data=request.data, many=True, allow_empty=True)
        serializer.is_valid(raise_exception=True)
        hours = services.opening_hours_set(
            organization=self.organization, branch_id=branch_id, periods=serializer.validated_data
        )
        return Response(s.OpeningHoursSerializer(hours, many=True).data)


# --- Closures --------------------------------------------------------------------------


class ClosureListCreateView(OrganizationPublicReadView):
    organization_actions = {"GET": "closures.view", "POST": "closures.manage"}
    serializer_class = s.ClosureSerializer

    @extend_schema(
        tags=TAG,
        summary="Closures (public for a verified organisation)",
        parameters=[ORG_ID],
        responses={200: s.ClosureSerializer(many=True)},
        auth=[],
    )
    def get(self, request, organization_id):
        return self.paginated(
            selectors.organization_closures(organization=self.organization), s.ClosureSerializer
        )

    @extend_schema(
        tags=TAG,
        summary="Add a closure (manager and above)",
        description="Without `branch`, the whole organisation closes.",
        parameters=[ORG_ID],
        request=s.ClosureCreateSerializer,
        responses={201: s.ClosureSerializer},
    )
    def post(self, request, organization_id):
        serializer = s.ClosureCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        closure = services.closure_create(
            organization=self.organization, branch_id=data.pop("branch", None), **data
        )
        return Response(s.ClosureSerializer(closure).data, status=status.HTTP_201_CREATED)


class ClosureDetailView(OrganizationScopedView):
    organization_actions = {"DELETE": "closures.manage"}
    serializer_class = s.ClosureSerializer

    @extend_schema(
        tags=TAG,
        summary="Delete a closure (manager and above)",
        parameters=[ORG_ID],
        responses={204: None},
    )
    def delete(self, request, organization_id, closure_id):
        services.closure_delete(organization=self.organization, closure_id=closure_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Verification ----------------------------------------------------------------------


class VerificationView(OrganizationScopedView):
    organization_actions = {"GET": "verification.view", "POST": "verification.submit"}
    serializer_class = s.VerificationStateSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAG,
        summary="Verification status, documents and decisions (admin and above, staff)",
        parameters=[ORG_ID],
        responses={200: s.VerificationStateSerializer},
    )
    def get(self, request, organization_id):
        state = selectors.organization_verification(organization=self.organization)
        return Response(s.VerificationStateSerializer(state, context={"request": request}).data)

    @extend_schema(
        tags=TAG,
        summary="Upload a verification document (admin and above)",
        description="multipart/form-data with `kind` and `file` "
        "(PDF or image, checked by content).",
        parameters=[ORG_ID],
        request={"multipart/form-data": s.VerificationDocumentUploadSerializer},
        responses={201: s.VerificationDocumentSerializer},
    )
    def post(self, request, organization_id):
        serializer = s.VerificationDocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.verification_document_submit(
            actor=request.user, organization=self.organization, **serializer.validated_data
        )
        return Response(
            s.VerificationDocumentSerializer(document, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class VerificationDecisionView(OrganizationScopedView):
    organization_actions = {"POST": "verification.decide"}
    serializer_class = s.VerificationStateSerializer

    @extend_schema(
        tags=TAG,
        summary="Verify, reject or suspend an organisation (staff only)",
        description="403 for members who are not staff, 404 for everyone else. Owners and "
        "admins are told in real time (`organization.verification_changed`).",
        parameters=[ORG_ID],
        request=s.VerificationDecideSerializer,
        responses={200: s.VerificationStateSerializer},
    )
    def post(self, request, organization_id):
        serializer = s.VerificationDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.organization_verification_decide(
            actor=request.user, organization=self.organization, **serializer.validated_data
        )
        state = selectors.organization_verification(organization=self.organization)
        return Response(s.VerificationStateSerializer(state, context={"request": request}).data)
