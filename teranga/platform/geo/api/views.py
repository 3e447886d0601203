from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from teranga.core.public_cache import PublicCacheMixin

from .. import selectors
from ..public_cache import SCOPE
from .serializers import RegionSerializer


class ReferenceListView(PublicCacheMixin, APIView):
    """Reference data: public, HTTP-cached, kept server-side until a region or a
    department changes."""

    permission_classes = [AllowAny]
    throttle_scope = "directory"
    public_cache_max_age = 3600

    def public_cache_scopes(self, request, **kwargs):
        return [SCOPE]


class RegionListView(ReferenceListView):
    @extend_schema(
        tags=["geo"],
        summary="Regions of Senegal with their departments",
        responses={200: RegionSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        return Response(RegionSerializer(selectors.region_list(), many=True).data)


class RegionDetailView(ReferenceListView):
    @extend_schema(
        tags=["geo"],
        summary="One region (by ISO code, e.g. DK) with its departments",
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)],
        responses={200: RegionSerializer},
        auth=[],
    )
    def get(self, request, code: str):
        return Response(RegionSerializer(selectors.region_get(code=code)).data)
