"""The business's public booking page, managed through the API (managers and above; agents
read it): its address (slug), its switch, and the host names that serve it.

``GET/PATCH /api/v1/booking/organizations/{id}/public-page/`` (PATCH creates it, with the
organisation's slug by default) and ``POST …/public-page/hosts/``,
``DELETE …/public-page/hosts/{host_id}/``. Another organisation's page is 404; a member
whose role is too low gets 403.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.errors import NotFound
from teranga.core.links import public_link
from teranga.core.schema import error_codes
from teranga.core.serializers import Serializer
from teranga.platform.organizations.access import OrganizationAccess

from ..errors import BookingError
from ..models import PUBLIC_SLUG_MAX, PublicPage
from ..public_pages import page_path
from ..selectors.catalog import CATALOG_MANAGE, CATALOG_VIEW
from ..services import public_page as services
from .catalog_views import ORG_ID, TAG

HOST_ID = OpenApiParameter("host_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class PublicPageHostSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    host = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField(help_text="The page at this host name.")

    def get_url(self, obj) -> str:
        return f"https://{obj.host}/"


class PublicPageSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    is_enabled = serializers.BooleanField(read_only=True)
    url = serializers.SerializerMethodField(help_text="The page's address (from PUBLIC_URL).")
    hosts = PublicPageHostSerializer(many=True, read_only=True)
    base_domain = serializers.SerializerMethodField(
        help_text="Sub-domains of this domain may be registered as hosts; null: none."
    )

    def get_url(self, obj) -> str:
        return public_link(page_path(obj.slug))

    def get_base_domain(self, obj) -> str | None:
        return getattr(settings, "PAGES_BASE_DOMAIN", "") or None


class PublicPageUpdateSerializer(Serializer):
    slug = serializers.CharField(
        required=False,
        max_length=PUBLIC_SLUG_MAX,
        help_text="3 to 60 lower-case letters, digits and single hyphens; not a reserved "
        "word; unique (409 `slug_taken`).",
    )
    is_enabled = serializers.BooleanField(
        required=False, help_text="The page is served only while enabled and verified."
    )


class PublicPageHostCreateSerializer(Serializer):
    host = serializers.CharField(
        max_length=253,
        help_text="Your own domain (`salon.example.sn`) or one name under the base domain.",
    )


def _page_of(organization) -> PublicPage:
    page = PublicPage.objects.filter(organization=organization).prefetch_related("hosts").first()
    if page is None:
        raise NotFound(code=BookingError.PAGE_NOT_FOUND)
    return page


class PublicPageView(GenericAPIView):
    permission_classes = [OrganizationAccess]
    organization_actions = {"GET": CATALOG_VIEW, "PATCH": CATALOG_MANAGE}
    serializer_class = PublicPageSerializer
    organization = None

    @extend_schema(
        tags=TAG,
        summary="The business's public booking page (agents and above)",
        description="404 `page_not_found` until it is created (PATCH).",
        parameters=[ORG_ID],
        responses={200: PublicPageSerializer},
        extensions=error_codes({404: [BookingError.PAGE_NOT_FOUND]}),
    )
    def get(self, request, organization_id):
        return Response(PublicPageSerializer(_page_of(self.organization)).data)

    @extend_schema(
        tags=TAG,
        summary="Create or change the public booking page (managers and above)",
        description="Creates the page on first use (its slug defaults to the organisation's). "
        "It is served at `/b/{slug}/` once enabled, while the business is verified.",
        parameters=[ORG_ID],
        request=PublicPageUpdateSerializer,
        responses={200: PublicPageSerializer},
        extensions=error_codes({400: [BookingError.INVALID_SLUG], 409: [BookingError.SLUG_TAKEN]}),
    )
    def patch(self, request, organization_id):
        serializer = PublicPageUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.public_page_update(organization=self.organization, **serializer.validated_data)
        return Response(PublicPageSerializer(_page_of(self.organization)).data)


class PublicPageHostListView(GenericAPIView):
    permission_classes = [OrganizationAccess]
    organization_actions = {"POST": CATALOG_MANAGE}
    serializer_class = PublicPageHostSerializer
    organization = None

    @extend_schema(
        tags=TAG,
        summary="Register a host name for the page (managers and above)",
        description="Once its DNS points at Teranga, the host serves the page (and only it). "
        "Never one of the site's own hosts; unique across businesses.",
        parameters=[ORG_ID],
        request=PublicPageHostCreateSerializer,
        responses={201: PublicPageHostSerializer},
        extensions=error_codes(
            {
                400: [BookingError.INVALID_HOST],
                404: [BookingError.PAGE_NOT_FOUND],
                409: [BookingError.HOST_TAKEN],
            }
        ),
    )
    def post(self, request, organization_id):
        serializer = PublicPageHostCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        page = _page_of(self.organization)
        host = services.public_page_host_add(page=page, host=serializer.validated_data["host"])
        return Response(PublicPageHostSerializer(host).data, status=status.HTTP_201_CREATED)


class PublicPageHostDetailView(GenericAPIView):
    permission_classes = [OrganizationAccess]
    organization_actions = {"DELETE": CATALOG_MANAGE}
    serializer_class = PublicPageHostSerializer
    organization = None

    @extend_schema(
        tags=TAG,
        summary="Remove a host name of the page (managers and above)",
        parameters=[ORG_ID, HOST_ID],
        responses={204: None},
        extensions=error_codes({404: [BookingError.PAGE_NOT_FOUND, BookingError.HOST_NOT_FOUND]}),
    )
    def delete(self, request, organization_id, host_id):
        services.public_page_host_remove(page=_page_of(self.organization), host_id=host_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
