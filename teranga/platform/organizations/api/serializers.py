from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.serializers import BaseModelSerializer, ModelSerializer, PhoneField, Serializer
from teranga.core.validators import validate_image_content
from teranga.platform.geo.api.serializers import (
    DepartmentRefSerializer,
    DepartmentSlugField,
    RegionCodeField,
    RegionRefSerializer,
)

from ..models import (
    DECIDABLE_STATUS_CHOICES,
    Branch,
    Closure,
    ClosureKind,
    DocumentKind,
    Invitation,
    Membership,
    OpeningHours,
    Organization,
    Role,
    VerificationDecision,
    VerificationDocument,
)
from ..services import BRANCH_FIELDS, ORGANIZATION_FIELDS

# --- Organisations ---------------------------------------------------------------------

PUBLIC_FIELDS = [
    "id",
    "kind",
    "name",
    "slug",
    "description",
    "logo",
    "contact_email",
    "contact_phone",
    "country",
    "city",
    "region",
    "currency",
    "time_zone",
    "verification_status",
    "verified_at",
]
PRIVATE_FIELDS = [
    "siret",
    "tva_number",
    "ninea",
    "rccm",
    "holidays_opt_out",
    "my_role",
    "created_at",
    "updated_at",
]


class OrganizationPublicSerializer(BaseModelSerializer):
    """What anyone sees of a verified organisation."""

    region = RegionRefSerializer(read_only=True)
    contact_phone = PhoneNumberField(read_only=True)

    class Meta:
        model = Organization
        fields = PUBLIC_FIELDS
        read_only_fields = PUBLIC_FIELDS


class OrganizationPrivateSerializer(OrganizationPublicSerializer):
    """What members (and staff) see: legal identifiers, settings and their own role."""

    my_role = serializers.SerializerMethodField()

    class Meta(OrganizationPublicSerializer.Meta):
        fields = PUBLIC_FIELDS + PRIVATE_FIELDS
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_my_role(self, obj: Organization) -> str | None:
        membership = getattr(obj, "current_membership", None)
        return membership.role if membership else None


class OrganizationWriteSerializer(ModelSerializer):
    region = RegionCodeField(required=False, allow_null=True, help_text="Region code (e.g. DK).")
    contact_phone = PhoneField(required=False, allow_blank=True)

    class Meta:
        model = Organization
        # What the services accept, but the logo: it has its own upload endpoint.
        fields = sorted(ORGANIZATION_FIELDS - {"logo"})
        extra_kwargs = {
            "time_zone": {"required": False},
            "currency": {"required": False},
            "country": {"required": False},
        }

    NORMALIZE = {
        "siret": lambda v: v.replace(" ", ""),
        "tva_number": lambda v: v.replace(" ", "").upper(),
        "ninea": lambda v: " ".join(v.split()).upper(),
        "rccm": lambda v: v.strip().upper(),
    }

    def to_internal_value(self, data):
        if hasattr(data, "copy") and hasattr(data, "get"):
            data = data.copy()
            for name, normalize in self.NORMALIZE.items():
                if isinstance(data.get(name), str):
                    data[name] = normalize(data.get(name))
        return super().to_internal_value(data)


class OrganizationUpdateSerializer(OrganizationWriteSerializer):
    class Meta(OrganizationWriteSerializer.Meta):
        extra_kwargs = {
            name: {"required": False} for name in OrganizationWriteSerializer.Meta.fields
        }


class OrganizationLogoUploadSerializer(Serializer):
    logo = serializers.ImageField(
        validators=[validate_image_content],
        help_text="A JPEG, PNG, WebP or GIF image (at most 40,000,000 pixels and 16,000 "
        "on a side), checked by content. It is stored re-encoded in its own format, upright "
        "(EXIF orientation applied), without metadata and with its real extension.",
    )


class MyOrganizationSerializer(Serializer):
    membership_id = serializers.UUIDField(source="id")
    role = serializers.ChoiceField(choices=Role.choices)
    joined_at = serializers.DateTimeField(source="created_at")
    organization = OrganizationPublicSerializer()


# --- Members and invitations -----------------------------------------------------------


class MemberUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class MembershipSerializer(BaseModelSerializer):
    user = MemberUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]
        read_only_fields = fields


class MembershipRoleSerializer(Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(BaseModelSerializer):
    state = serializers.CharField(read_only=True)
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, default=None)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "state",
            "invited_by",
            "expires_at",
            "accepted_at",
            "revoked_at",
            "created_at",
        ]
        read_only_fields = fields


class InvitationCreateSerializer(Serializer):
    email = serializers.EmailField(max_length=Invitation._meta.get_field("email").max_length)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class InvitationAcceptedSerializer(BaseModelSerializer):
    organization = OrganizationPublicSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "role", "organization"]
        read_only_fields = fields


# --- Branches, hours, closures ---------------------------------------------------------


class OpeningHoursSerializer(Serializer):
    weekday = serializers.IntegerField(
        min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday"
    )
    opens_at = serializers.TimeField()
    closes_at = serializers.TimeField()
    break_start = serializers.TimeField(required=False, allow_null=True, default=None)
    break_end = serializers.TimeField(required=False, allow_null=True, default=None)

    def to_representation(self, instance: OpeningHours) -> dict:
        return {
            "weekday": instance.weekday,
            "opens_at": instance.opens_at.strftime("%H:%M"),
            "closes_at": instance.closes_at.strftime("%H:%M"),
            "break_start": instance.break_start.strftime("%H:%M") if instance.break_start else None,
            "break_end": instance.break_end.strftime("%H:%M") if instance.break_end else None,
        }


class BranchSerializer(BaseModelSerializer):
    region = RegionRefSerializer(read_only=True)
    department = DepartmentRefSerializer(read_only=True)
    phone = PhoneNumberField(read_only=True)
    opening_hours = OpeningHoursSerializer(many=True, read_only=True)

    class Meta:
        model = Branch
        fields = [
            "id",
            "name",
            "address",
            "region",
            "department",
            "commune",
            "latitude",
            "longitude",
            "phone",
            "is_active",
            "opening_hours",
            "created_at",
        ]
        read_only_fields = fields


class BranchWriteSerializer(ModelSerializer):
    region = RegionCodeField(required=False, allow_null=True)
    department = DepartmentSlugField(required=False, allow_null=True)
    phone = PhoneField(required=False, allow_blank=True)

    class Meta:
        model = Branch
        fields = sorted(BRANCH_FIELDS)  # exactly what the services accept


class BranchUpdateSerializer(BranchWriteSerializer):
    class Meta(BranchWriteSerializer.Meta):
        extra_kwargs = {"name": {"required": False}}


class OpeningHoursWeekSerializer(serializers.ListSerializer):
    child = OpeningHoursSerializer()


class ClosureSerializer(BaseModelSerializer):
    branch = serializers.UUIDField(source="branch_id", read_only=True, allow_null=True)

    class Meta:
        model = Closure
        fields = ["id", "branch", "starts_on", "ends_on", "reason", "kind", "created_at"]
        read_only_fields = fields


class ClosureCreateSerializer(Serializer):
    branch = serializers.UUIDField(required=False, allow_null=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    kind = serializers.ChoiceField(choices=ClosureKind.choices, default=ClosureKind.EXCEPTIONAL)

    def validate(self, attrs):
        if attrs["ends_on"] < attrs["starts_on"]:
            raise serializers.ValidationError(
                {"ends_on": _("The closure must end on or after its start.")}
            )
        return attrs


# --- Verification ----------------------------------------------------------------------


class VerificationDocumentSerializer(BaseModelSerializer):
    class Meta:
        model = VerificationDocument
        fields = ["id", "kind", "file", "status", "reviewed_at", "note", "created_at"]
        read_only_fields = fields


class VerificationDocumentUploadSerializer(Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(
        help_text="A PDF or an image (JPEG, PNG, WebP, GIF); checked by content. A PDF is "
        "stored as it came; an image is stored re-encoded without metadata."
    )


class VerificationDecisionSerializer(BaseModelSerializer):
    decided_by = serializers.EmailField(source="decided_by.email", read_only=True, default=None)

    class Meta:
        model = VerificationDecision
        fields = ["id", "status", "note", "decided_by", "created_at"]
        read_only_fields = fields


class VerificationStateSerializer(BaseModelSerializer):
    organization = serializers.UUIDField(source="id", read_only=True)
    status = serializers.CharField(source="verification_status", read_only=True)
    documents = VerificationDocumentSerializer(
        source="verification_documents", many=True, read_only=True
    )
    decisions = VerificationDecisionSerializer(
        source="verification_decisions", many=True, read_only=True
    )

    class Meta:
        model = Organization
        fields = ["organization", "status", "verified_at", "documents", "decisions"]
        read_only_fields = fields


class VerificationDecideSerializer(Serializer):
    status = serializers.ChoiceField(choices=DECIDABLE_STATUS_CHOICES)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX_LENGTH
    )
