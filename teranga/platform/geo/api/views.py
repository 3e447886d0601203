from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from .serializers import RegionSerializer


class RegionListView(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "directory"

    @extend_schema(
        tags=["geo"],
        summary="Regions of Senegal with their departments",
        responses={200: RegionSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        return Response(RegionSerializer(selectors.region_list(), many=True).data)


class RegionDetailView(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "directory"

    @extend_schema(
        tags=["geo"],
        summary="One region (by ISO code, e.g. DK) with its departments",
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)],
        responses={200: RegionSerializer},
        auth=[],
    )
    def get(self, request, code: str):
        return Response(RegionSerializer(selectors.region_get(code=code)).data)
