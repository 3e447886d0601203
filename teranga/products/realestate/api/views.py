"""The real-estate API: properties (search, create, read, change, delete), their images,
private documents with signed links, history, and the property sheet (PDF).

Who may do what (``selectors.access``): the agency's agents and above read every
property of it and its documents and history; agents create and change the properties
assigned to them, managers any property (and reassign it), admins delete. Anyone reads
available properties of verified agencies. Another agency's property answers 404, a
member whose role is too low 403, no token 401 on writes.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from teranga.core.errors import CoreError
from teranga.core.pagination import CursorPagination, PageNumberPagination, PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query
from teranga.platform.organizations.errors import OrganizationError
from teranga.platform.payments.errors import PaymentError

from .. import sheet
from ..errors import RealEstateError
from ..selectors import access, search
from ..selectors import properties as selectors
from ..services import media
from ..services import properties as services
from ..services.properties import UNSET
from . import serializers as s

TAG = ["realestate properties"]
PROPERTY_ID = OpenApiParameter("property_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
ORG_ID = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
IMAGE_ID = OpenApiParameter("image_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
DOCUMENT_ID = OpenApiParameter("document_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
NOT_FOUND = [RealEstateError.PROPERTY_NOT_FOUND]
WRITE_400 = [CoreError.INVALID, RealEstateError.AGENT_NOT_MEMBER]
PLAN_409 = [PaymentError.PLAN_LIMIT_REACHED]


class PublicReadMixin:
    """GET is open to anonymous callers; every other method needs a token."""

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD"):
            return [AllowAny()]
        return super().get_permissions()


class PropertyCursorPagination(CursorPagination):
    page_size = 20
    ordering = "-created_at"


class RealEstateView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    serializer_class = s.RealEstatePropertySerializer

    def property_response(self, prop_id, status_code=status.HTTP_200_OK) -> Response:
        prop = selectors.property_for_staff(user=self.request.user, property_id=prop_id)
        return Response(
            s.RealEstatePropertySerializer(prop, context={"request": self.request}).data,
            status=status_code,
        )


def _fields(data: dict) -> tuple[dict, object]:
    data = dict(data)
    agent = data.pop("agent", UNSET)
    return data, agent


# --- Search and create ---------------------------------------------------------------------


class PropertyListView(PublicReadMixin, RealEstateView):
    pagination_class = PropertyCursorPagination
    serializer_class = s.RealEstatePropertySummarySerializer
    throttle_scope = "directory"

    @extend_schema(
        tags=TAG,
        summary="Search properties",
        description="Available properties of verified agencies, for anyone. With "
        "`organization`, that agency's staff (agents and above, platform staff) see every "
        "property of it in every status (`status`, `agent` filter them); anyone else its "
        "available ones. Filters: `property_type`, `transaction`, `status`, `features` "
        "(comma-separated or repeated; every feature required), `price_min`/`price_max` "
        "(minor units), `surface_min`/`surface_max` (m²), `rooms_min`, `bedrooms_min`, "
        "`region` (code), `commune`, `q` (every word in the title, description, address "
        "or commune; accents and case ignored), and a circle: `lat`, `lng`, `radius_km` "
        "(default 10, at most 100; an indexed bounding box, then the exact great-circle "
        "distance: each result has its `distance_km`). `ordering`: `-date` (newest "
        "first, default), `date`, `price`, `-price`, `distance` (needs `lat`/`lng`). "
        "Cursor pagination (`cursor` from `next`, `page_size` up to 100); `previous` is "
        "always null. The number of queries does not depend on the page size.",
        parameters=[s.RealEstatePropertySearchQuerySerializer],
        responses={200: s.RealEstatePropertySummarySerializer(many=True)},
        extensions=error_codes({400: [CoreError.INVALID, RealEstateError.INVALID_CURSOR]}),
        auth=[],
    )
    def get(self, request):
        query = validated_query(s.RealEstatePropertySearchQuerySerializer, request).validated_data
        paginator = self.paginator
        page_size = paginator.get_page_size(request) or paginator.page_size
        organization = None
        if "organization" in query:
            organization = search.organization_of(query.pop("organization"))
            if organization is None:
                return self._page(request, [], None)
        result = search.property_search(
            user=request.user,
            query=search.SearchQuery(organization=organization, **query),
            page_size=page_size,
            cursor=request.query_params.get("cursor", "")[:500],
        )
        return self._page(request, result.properties, result.next_cursor)

    def _page(self, request, properties, next_cursor):
        data = s.RealEstatePropertySummarySerializer(
            properties, many=True, context={"request": request}
        ).data
        url = request.build_absolute_uri()
        next_url = replace_query_param(url, "cursor", next_cursor) if next_cursor else None
        return Response({"next": next_url, "previous": None, "results": data})


class AgencyPropertyCreateView(RealEstateView):
    @extend_schema(
        tags=TAG,
        summary="List a property (agents and above)",
        description="A new property of the agency (an organisation of kind agency: 400 "
        "`agency_kind_not_supported` otherwise), a draft unless `status` says otherwise. "
        "`agent` defaults to the caller; only managers choose another agent of the agency "
        "(400 `agent_not_member` for anyone else; 403 for an agent). `description` is "
        "HTML, sanitised (only simple markup kept). Prices in minor units of `currency` "
        "(default XOF). `latitude` and `longitude` together. 409 `plan_limit_reached` "
        "past the plan's listings (properties not sold, rented or withdrawn) or agents "
        "with listings. The price, status and agent are recorded in the history.",
        parameters=[ORG_ID],
        request=s.RealEstatePropertyCreateSerializer,
        responses={201: s.RealEstatePropertySerializer},
        extensions=error_codes(
            {
                400: [*WRITE_400, RealEstateError.AGENCY_KIND_NOT_SUPPORTED],
                404: [OrganizationError.ORGANIZATION_NOT_FOUND],
                409: PLAN_409,
            }
        ),
    )
    def post(self, request, organization_id):
        organization = selectors.agency_for(
            user=request.user, organization_id=organization_id, action=access.PROPERTIES_EDIT
        )
        serializer = s.RealEstatePropertyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields, agent = _fields(serializer.validated_data)
        prop = services.property_create(
            organization=organization, actor=request.user, agent_id=agent, **fields
        )
        return self.property_response(prop.pk, status.HTTP_201_CREATED)


# --- One property ----------------------------------------------------------------------------


class PropertyDetailView(PublicReadMixin, RealEstateView):
    @extend_schema(
        tags=TAG,
        summary="One property",
        description="An available property of a verified agency, for anyone; any property "
        "of the agency for its staff (404 `property_not_found` otherwise). Counts a view, "
        "once per viewer and day (a signed-in user, or an anonymous visitor by a keyed "
        "digest of address and browser; the address is never stored); the agency's own "
        "staff are not counted.",
        parameters=[PROPERTY_ID],
        responses={200: s.RealEstatePropertySerializer},
        extensions=error_codes({404: NOT_FOUND}),
        auth=[],
    )
    def get(self, request, property_id):
        prop, staff = selectors.property_detail(user=request.user, property_id=property_id)
        if not staff:
            services.property_view_record(prop=prop, viewer=services.viewer_key(request))
        return Response(s.RealEstatePropertySerializer(prop, context={"request": request}).data)

    @extend_schema(
        tags=TAG,
        summary="Change a property (its agent, managers and above)",
        description="Any field of the creation. Reassigning (`agent`) is for managers and "
        "above (403 otherwise). Every change of price, status or agent is recorded in the "
        "history. Reopening a sold, rented or withdrawn property counts against the "
        "plan's listings (409 `plan_limit_reached`). Marking it `sold` or `rented` records "
        "the deal's commission on its price under the agency's rule (its agent as listing "
        "and selling agent), once per deal: not when a commission was already recorded "
        "since it was last reopened, nor while it has an active reservation (converting "
        "the reservation records it).",
        parameters=[PROPERTY_ID],
        request=s.RealEstatePropertyUpdateSerializer,
        responses={200: s.RealEstatePropertySerializer},
        extensions=error_codes({400: WRITE_400, 404: NOT_FOUND, 409: PLAN_409}),
    )
    def patch(self, request, property_id):
        prop = access.property_for_editor(user=request.user, property_id=property_id)
        serializer = s.RealEstatePropertyUpdateSerializer(prop, data=request.data)
        serializer.is_valid(raise_exception=True)
        fields, agent = _fields(serializer.validated_data)
        services.property_update(prop=prop, actor=request.user, agent_id=agent, **fields)
        return self.property_response(prop.pk)

    @extend_schema(
        tags=TAG,
        summary="Delete a property (admins and owners)",
        description="With its images, documents and history. To take a listing off the "
        "market, set its status to `withdrawn` instead.\n\nErrors: 404 `property_not_found`; "
        "409 `property_has_transactions` (it has reservations, contracts or commissions: "
        "withdraw it).",
        parameters=[PROPERTY_ID],
        responses={204: None},
        extensions=error_codes({404: NOT_FOUND, 409: [RealEstateError.PROPERTY_HAS_TRANSACTIONS]}),
    )
    def delete(self, request, property_id):
        prop = access.property_for_staff(
            user=request.user, property_id=property_id, action=access.PROPERTIES_DELETE
        )
        services.property_delete(prop=prop)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PropertyHistoryView(RealEstateView):
    pagination_class = PageNumberPagination
    serializer_class = s.RealEstatePropertyChangeSerializer

    @extend_schema(
        tags=TAG,
        summary="History of a property (agents and above, staff)",
        description="Every change of price, status or agent, newest first: who, when, the "
        "old and the new value. The creation is the first entry of each (old value "
        "empty).",
        parameters=[PROPERTY_ID],
        responses={200: s.RealEstatePropertyChangeSerializer(many=True)},
        extensions=error_codes({404: NOT_FOUND}),
    )
    def get(self, request, property_id):
        prop = access.property_for_staff(user=request.user, property_id=property_id)
        return self.paginated(
            selectors.property_changes(prop=prop), s.RealEstatePropertyChangeSerializer
        )


class _FileView(RealEstateView):
    def perform_content_negotiation(self, request, force=False):
        # Errors are JSON; the file is a plain HTTP response.
        return JSONRenderer(), JSONRenderer.media_type


class PropertySheetView(PublicReadMixin, _FileView):
    throttle_scope = "realestate_sheet"

    @extend_schema(
        tags=TAG,
        summary="Property sheet (PDF)",
        description="A printable sheet: photos, price, surfaces, features, description, "
        "ratings, the agent and the agency's logo and contacts, in the request's language. "
        "Same visibility as the property itself (404 `property_not_found`).",
        parameters=[PROPERTY_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF")
        },
        extensions=error_codes({404: NOT_FOUND}),
        auth=[],
    )
    def get(self, request, property_id):
        prop, _staff = selectors.property_detail(user=request.user, property_id=property_id)
        response = HttpResponse(sheet.property_sheet_pdf(prop), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="property-{prop.pk.hex[:8]}.pdf"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- Images ----------------------------------------------------------------------------------


class PropertyImagesView(RealEstateView):
    parser_classes = [MultiPartParser]  # an upload endpoint: multipart/form-data only
    serializer_class = s.RealEstatePropertyImageSerializer

    @extend_schema(
        tags=TAG,
        summary="Add a photo (its agent, managers and above)",
        description="multipart/form-data with `image` (checked by its content and stored "
        "re-encoded without metadata, with a thumbnail; 400 `invalid_image`), an "
        "optional `caption` and `is_primary`. Added after the others; the first photo, "
        "or one sent with `is_primary=true`, becomes the primary one. At most 30 (400 "
        "`too_many_images`).",
        parameters=[PROPERTY_ID],
        request={"multipart/form-data": s.RealEstateImageUploadSerializer},
        responses={201: s.RealEstatePropertyImageSerializer},
        extensions=error_codes(
            {
                400: [
                    CoreError.INVALID,
                    RealEstateError.INVALID_IMAGE,
                    RealEstateError.TOO_MANY_IMAGES,
                ],
                404: NOT_FOUND,
            }
        ),
    )
    def post(self, request, property_id):
        prop = access.property_for_editor(user=request.user, property_id=property_id)
        serializer = s.RealEstateImageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        image = media.image_add(
            prop=prop,
            upload=serializer.validated_data["image"],
            caption=serializer.validated_data.get("caption", ""),
            is_primary=serializer.validated_data["is_primary"],
        )
        return Response(
            s.RealEstatePropertyImageSerializer(image).data, status=status.HTTP_201_CREATED
        )


class PropertyImageView(RealEstateView):
    serializer_class = s.RealEstatePropertyImageSerializer

    @extend_schema(
        tags=TAG,
        summary="Reorder a photo, make it primary, change its caption",
        description="`position` (0 is first; the others shift), `is_primary: true` (the "
        "previous primary stops being one; `false` is refused: choose another one), "
        "`caption`. Its agent, managers and above.",
        parameters=[PROPERTY_ID, IMAGE_ID],
        request=s.RealEstateImageUpdateSerializer,
        responses={200: s.RealEstatePropertyImageSerializer},
        extensions=error_codes(
            {400: [CoreError.INVALID], 404: [*NOT_FOUND, RealEstateError.IMAGE_NOT_FOUND]}
        ),
    )
    def patch(self, request, property_id, image_id):
        prop = access.property_for_editor(user=request.user, property_id=property_id)
        serializer = s.RealEstateImageUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        image = media.image_update(prop=prop, image_id=image_id, **serializer.validated_data)
        return Response(s.RealEstatePropertyImageSerializer(image).data)

    @extend_schema(
        tags=TAG,
        summary="Delete a photo",
        description="When it was the primary one, the first remaining photo becomes it.",
        parameters=[PROPERTY_ID, IMAGE_ID],
        responses={204: None},
        extensions=error_codes({404: [*NOT_FOUND, RealEstateError.IMAGE_NOT_FOUND]}),
    )
    def delete(self, request, property_id, image_id):
        prop = access.property_for_editor(user=request.user, property_id=property_id)
        media.image_delete(prop=prop, image_id=image_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Documents -------------------------------------------------------------------------------


class PropertyDocumentsView(RealEstateView):
    serializer_class = s.RealEstatePropertyDocumentSerializer
    pagination_class = None

    def get_parsers(self):
        # Listing reads nothing; the upload is multipart/form-data only.
        return [MultiPartParser()]

    @extend_schema(
        tags=TAG,
        summary="Documents of a property (agents and above, staff)",
        description="Private to the agency, newest first, at most 30: not paginated. "
        "Their files are read through a signed link (`…/documents/{id}/link/`).",
        parameters=[PROPERTY_ID],
        responses={200: s.RealEstatePropertyDocumentSerializer(many=True)},
        extensions=error_codes({404: NOT_FOUND}),
    )
    def get(self, request, property_id):
        prop = access.property_for_staff(user=request.user, property_id=property_id)
        documents = selectors.property_documents(prop=prop)
        return Response(s.RealEstatePropertyDocumentSerializer(documents, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Add a document (its agent, managers and above)",
        description="multipart/form-data with `file` (a PDF or an image, checked by its "
        "content: 400 `invalid_document`), `kind` (title deed, plan, DPE, mandate, other) "
        "and `title`. Stored privately. At most 30 (400 `too_many_documents`).",
        parameters=[PROPERTY_ID],
        request={"multipart/form-data": s.RealEstateDocumentUploadSerializer},
        responses={201: s.RealEstatePropertyDocumentSerializer},
        extensions=error_codes(
            {
                400: [
                    CoreError.INVALID,
                    RealEstateError.INVALID_DOCUMENT,
                    RealEstateError.TOO_MANY_DOCUMENTS,
                ],
                404: NOT_FOUND,
            }
        ),
    )
    def post(self, request, property_id):
        prop = access.property_for_editor(user=request.user, property_id=property_id)
        serializer = s.RealEstateDocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = media.document_add(
            prop=prop,
            actor=request.user,
            upload=serializer.validated_data["file"],
            kind=serializer.validated_data["kind"],
            title=serializer.validated_data["title"],
        )
        return Response(
            s.RealEstatePropertyDocumentSerializer(document).data, status=status.HTTP_201_CREATED
        )


class PropertyDocumentView(RealEstateView):
    serializer_class = s.RealEstatePropertyDocumentSerializer

    @extend_schema(
        tags=TAG,
        summary="Delete a document (its agent, managers and above)",
        parameters=[PROPERTY_ID, DOCUMENT_ID],
        responses={204: None},
        extensions=error_codes({404: [*NOT_FOUND, RealEstateError.DOCUMENT_NOT_FOUND]}),
    )
    def delete(self, request, property_id, document_id):
        prop = access.property_for_editor(user=request.user, property_id=property_id)
        media.document_delete(prop=prop, document_id=document_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PropertyDocumentLinkView(RealEstateView):
    serializer_class = s.RealEstateDocumentLinkSerializer

    @extend_schema(
        tags=TAG,
        summary="A signed link to a document (agents and above)",
        description="A link to a page of ours that serves the file until `expires_at` "
        "(`expires_in_minutes`: 5 to 10080, default 60), for the agency to send to a "
        "client or a notary; afterwards it answers 410. Issuing the link and every "
        "opening of it are recorded in the audit log.",
        parameters=[PROPERTY_ID, DOCUMENT_ID],
        request=s.RealEstateDocumentLinkRequestSerializer,
        responses={201: s.RealEstateDocumentLinkSerializer},
        extensions=error_codes(
            {400: [CoreError.INVALID], 404: [*NOT_FOUND, RealEstateError.DOCUMENT_NOT_FOUND]}
        ),
    )
    def post(self, request, property_id, document_id):
        prop = access.property_for_staff(user=request.user, property_id=property_id)
        serializer = s.RealEstateDocumentLinkRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = media.document_link(
            prop=prop,
            document_id=document_id,
            minutes=serializer.validated_data["expires_in_minutes"],
        )
        return Response(
            s.RealEstateDocumentLinkSerializer(
                {"url": link.url, "expires_at": link.expires_at}
            ).data,
            status=status.HTTP_201_CREATED,
        )
