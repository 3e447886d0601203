"""``GET events/recommended/``: events picked for the signed-in student, each with its
score and the reasons behind it (``selectors.recommendations``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.serializers import Serializer, validated_query

from ..selectors import recommendations as selectors
from .event_serializers import CampusEventSerializer

REASON_CODES = list(selectors.WEIGHTS)


class RecommendationReasonSerializer(Serializer):
    code = serializers.ChoiceField(choices=REASON_CODES, read_only=True)
    points = serializers.FloatField(read_only=True, help_text="What this reason adds.")
    text = serializers.CharField(read_only=True, help_text="In the request's language.")


class RecommendedEventSerializer(Serializer):
    event = CampusEventSerializer(read_only=True)
    score = serializers.FloatField(read_only=True)
    reasons = RecommendationReasonSerializer(many=True, read_only=True)


class RecommendedQuerySerializer(Serializer):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=selectors.MAX_LIMIT,
        required=False,
        default=selectors.DEFAULT_LIMIT,
        help_text=f"Default {selectors.DEFAULT_LIMIT}, at most {selectors.MAX_LIMIT}.",
    )


class RecommendedEventsView(GenericAPIView):
    serializer_class = RecommendedEventSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        tags=["campus events"],
        summary="Events recommended to me",
        description="Up to `limit` upcoming events (within "
        f"{selectors.HORIZON_DAYS} days) that the signed-in student may see and holds no "
        "ticket for, best first. The score adds: the student's university (3), each "
        "matching profile interest (2, at most 3), each followed tag (2, at most 3), a "
        "followed organiser (4), each friend going (1.5, at most 3; a friend held a "
        "ticket to at least two of the same events), popularity (up to 2, logarithmic) and "
        "nearness in time (up to 1). Each recommendation lists the reasons that counted, "
        "with their points and a sentence in the request's language. Not paginated.",
        parameters=[RecommendedQuerySerializer],
        responses={200: RecommendedEventSerializer(many=True)},
    )
    def get(self, request):
        query = validated_query(RecommendedQuerySerializer, request).validated_data
        found = selectors.recommended_events(user=request.user, limit=query["limit"])
        return Response(
            RecommendedEventSerializer(found, many=True, context={"request": request}).data
        )
