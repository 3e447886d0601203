"""Serializers of the community part: reviews, ratings, badges, leaderboard, matricule
verification."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.serializers import Serializer

from ..models import VerificationStatus
from ..models.community import MATRICULE_MAX_LENGTH
from ..selectors.reviews import public_name
from ..services.badges import BADGES
from ..services.verification import PATTERN_MAX_LENGTH

# --- Reviews -----------------------------------------------------------------------------


class ReviewCreateSerializer(Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, help_text="1 (poor) to 5 (great).")
    comment = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, allow_blank=True, required=False, default=""
    )


class ReviewUpdateSerializer(Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False)
    comment = serializers.CharField(max_length=NOTE_MAX_LENGTH, allow_blank=True, required=False)


class ReviewReplyWriteSerializer(Serializer):
    reply = serializers.CharField(max_length=NOTE_MAX_LENGTH)


class ReviewReportSerializer(Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX_LENGTH)


class PublicUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.SerializerMethodField(
        help_text="First name and the last name's initial; never the email address."
    )

    @extend_schema_field(serializers.CharField(allow_blank=True))
    def get_name(self, user) -> str:
        return public_name(user)


class ReviewReplySerializer(serializers.Serializer):
    text = serializers.CharField(source="reply")
    replied_at = serializers.DateTimeField()


class ReviewSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    event = serializers.UUIDField(source="event_id")
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(allow_blank=True)
    author = PublicUserSerializer()
    reply = serializers.SerializerMethodField(help_text="The organiser's reply, if any.")
    hidden = serializers.SerializerMethodField(
        help_text="Hidden: reported too often (pending moderation) or removed by a moderator; "
        "only its author sees it."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(ReviewReplySerializer(allow_null=True))
    def get_reply(self, review):
        if not review.reply:
            return None
        return ReviewReplySerializer(review).data

    @extend_schema_field(serializers.BooleanField())
    def get_hidden(self, review) -> bool:
        return review.hidden_at is not None


class OrganizerRatingSerializer(serializers.Serializer):
    organization = serializers.UUIDField()
    average = serializers.FloatField(
        allow_null=True, help_text="Mean rating of its shown reviews (2 decimals); null: none."
    )
    count = serializers.IntegerField(min_value=0)


# --- Badges --------------------------------------------------------------------------------


class BadgeSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=[(code, code) for code in BADGES], source="badge")
    name = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    awarded_at = serializers.DateTimeField(source="created_at")

    @extend_schema_field(serializers.CharField())
    def get_name(self, award) -> str:
        return str(BADGES[award.badge].name) if award.badge in BADGES else award.badge

    @extend_schema_field(serializers.CharField())
    def get_description(self, award) -> str:
        return str(BADGES[award.badge].description) if award.badge in BADGES else ""


class UserBadgesSerializer(serializers.Serializer):
    user = PublicUserSerializer()
    badges = BadgeSerializer(many=True)


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(min_value=1, help_text="Ties share a rank.")
    user = PublicUserSerializer()
    badges = serializers.IntegerField(min_value=0)
    events_attended = serializers.IntegerField(source="attended", min_value=0)


# --- Matricule verification ----------------------------------------------------------------


class CampusSettingsSerializer(serializers.Serializer):
    organization = serializers.UUIDField(source="organization_id")
    matricule_pattern = serializers.CharField(
        allow_blank=True,
        help_text="A regular expression the whole matricule must match (case ignored); "
        "empty: any matricule.",
    )


class CampusSettingsWriteSerializer(Serializer):
    matricule_pattern = serializers.CharField(
        max_length=PATTERN_MAX_LENGTH,
        allow_blank=True,
        trim_whitespace=True,
        help_text="A regular expression (Python syntax) the whole matricule must match, "
        "case ignored, e.g. `[0-9]{9}` or `[A-Z]{2}[0-9]{6}`. Nested repetitions and "
        "alternatives inside a repetition are refused (400 `invalid_matricule_pattern`). "
        "Empty: any matricule.",
    )


class VerificationSubmitSerializer(Serializer):
    university = serializers.UUIDField()
    matricule = serializers.CharField(max_length=MATRICULE_MAX_LENGTH)
    student_card = serializers.FileField(
        help_text="A photo of the student card (JPEG, PNG, WebP or GIF); stored re-encoded, "
        "without metadata."
    )


class VerificationQuerySerializer(Serializer):
    status = serializers.MultipleChoiceField(
        choices=VerificationStatus.choices,
        required=False,
        help_text="Only these statuses (repeatable); default: all.",
    )


class VerificationRejectSerializer(Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX_LENGTH, help_text="Told to the student.")


class UniversityRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class VerificationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    university = UniversityRefSerializer()
    matricule = serializers.CharField()
    status = serializers.ChoiceField(choices=VerificationStatus.choices)
    reason = serializers.CharField(allow_blank=True, help_text="Why it was rejected.")
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class VerificationStudentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    first_name = serializers.CharField(allow_blank=True)
    last_name = serializers.CharField(allow_blank=True)


class StaffVerificationSerializer(VerificationSerializer):
    user = VerificationStudentSerializer()
