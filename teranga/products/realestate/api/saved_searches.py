"""A signed-in person's own saved searches (``/api/v1/realestate/me/saved-searches/``):
create one with an agency whose listings they see, list, read, change, pause
(``active: false``) and resume, delete. Each is a client request of the agency's CRM (the
agency's record of them, linked to their account, made when missing), so the agency's
matching scores it and its alerts — instant, daily or weekly — reach their account
(``services.matching``). A person sees only their own: anyone else's answers 404.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.schema import error_codes
from teranga.core.serializers import Serializer, validated_query
from teranga.platform.organizations.errors import OrganizationError

from ..errors import RealEstateError
from ..models_matching import CLIENT_ALERT_FREQUENCIES
from ..selectors import matching as selectors
from ..services import requests as services
from .matching import (
    MatchingView,
    RealEstateRequestSerializer,
    RealEstateRequestWriteSerializer,
)

TAG = ["realestate saved searches"]
SEARCH_ID = OpenApiParameter("request_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
SEARCH_404 = [RealEstateError.REQUEST_NOT_FOUND]


class RealEstateSavedSearchAgencySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class RealEstateSavedSearchSerializer(RealEstateRequestSerializer):
    """A saved search as its owner sees it (no CRM fields: neither the client record nor
    the lead)."""

    organization = RealEstateSavedSearchAgencySerializer()
    client = None
    lead = None


class RealEstateSavedSearchCreateSerializer(RealEstateRequestWriteSerializer):
    client = None
    lead = None
    organization = serializers.UUIDField(
        help_text="The agency (a verified agency, or one you are already a client of)."
    )
    alert_frequency = serializers.ChoiceField(
        choices=CLIENT_ALERT_FREQUENCIES,
        required=False,
        help_text="How new matches reach you: `instant`, `daily` (default) or `weekly`.",
    )


class RealEstateSavedSearchUpdateSerializer(RealEstateSavedSearchCreateSerializer):
    """Every field optional (``PATCH``); the agency stays. `active: false` pauses the
    alerts, `true` resumes them."""

    organization = None


class RealEstateSavedSearchQuerySerializer(Serializer):
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


def _data(req) -> dict:
    return RealEstateSavedSearchSerializer(req).data


class MySavedSearchesView(MatchingView):
    serializer_class = RealEstateSavedSearchSerializer

    @extend_schema(
        tags=TAG,
        summary="My saved searches",
        description="Mine only, in every agency, newest first; `active` keeps the active "
        "or the paused ones. Cursor pagination.",
        parameters=[RealEstateSavedSearchQuerySerializer],
        responses={200: RealEstateSavedSearchSerializer(many=True)},
        extensions=error_codes({400: [CoreError.INVALID]}),
    )
    def get(self, request):
        query = validated_query(RealEstateSavedSearchQuerySerializer, request).validated_data
        rows = selectors.saved_searches_of(user=request.user, active=query.get("active"))
        return self.paginated(rows, RealEstateSavedSearchSerializer)

    @extend_schema(
        tags=TAG,
        summary="Save a search with an agency",
        description="What I look for with the agency (`organization`: a verified agency, "
        "or one I am already a client of — 400 `organization_not_found` otherwise): "
        "transaction, types, budget (in XOF or EUR: prices in the other currency match "
        "at the fixed peg), surface, rooms, zones, features. New matching properties "
        "reach my account instantly, daily (default) or weekly; the agency sees the "
        "search in its CRM. At most 20 saved searches (400 `too_many_saved_searches`).",
        request=RealEstateSavedSearchCreateSerializer,
        responses={201: RealEstateSavedSearchSerializer},
        extensions=error_codes(
            {
                400: [
                    CoreError.INVALID,
                    OrganizationError.ORGANIZATION_NOT_FOUND,
                    RealEstateError.TOO_MANY_SAVED_SEARCHES,
                ]
            }
        ),
    )
    def post(self, request):
        fields = self.valid(RealEstateSavedSearchCreateSerializer)
        organization = selectors.saved_search_agency(
            user=request.user, organization_id=fields.pop("organization")
        )
        req = services.saved_search_create(user=request.user, organization=organization, **fields)
        req = selectors.saved_search_for(user=request.user, request_id=req.pk)
        return Response(_data(req), status=status.HTTP_201_CREATED)


class MySavedSearchView(MatchingView):
    serializer_class = RealEstateSavedSearchSerializer

    @extend_schema(
        tags=TAG,
        summary="One of my saved searches",
        parameters=[SEARCH_ID],
        responses={200: RealEstateSavedSearchSerializer},
        extensions=error_codes({404: SEARCH_404}),
    )
    def get(self, request, request_id):
        return Response(_data(selectors.saved_search_for(user=request.user, request_id=request_id)))

    @extend_schema(
        tags=TAG,
        summary="Change, pause or resume one of my saved searches",
        description="Any field of the creation but the agency; `active: false` pauses its "
        "alerts, `true` resumes them. Matching re-runs in the background.",
        parameters=[SEARCH_ID],
        request=RealEstateSavedSearchUpdateSerializer(partial=True),
        responses={200: RealEstateSavedSearchSerializer},
        extensions=error_codes({400: [CoreError.INVALID], 404: SEARCH_404}),
    )
    def patch(self, request, request_id):
        req = selectors.saved_search_for(user=request.user, request_id=request_id)
        fields = self.valid(RealEstateSavedSearchUpdateSerializer, partial=True)
        services.request_update(req=req, **fields)
        return Response(_data(selectors.saved_search_for(user=request.user, request_id=req.pk)))

    @extend_schema(
        tags=TAG,
        summary="Delete one of my saved searches",
        parameters=[SEARCH_ID],
        responses={204: None},
        extensions=error_codes({404: SEARCH_404}),
    )
    def delete(self, request, request_id):
        req = selectors.saved_search_for(user=request.user, request_id=request_id)
        services.request_delete(req=req)
        return Response(status=status.HTTP_204_NO_CONTENT)
