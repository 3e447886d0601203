"""Account API serializers. Write serializers refuse unknown fields."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core import serializers as strict
from teranga.core.limits import PASSWORD_MAX_LENGTH
from teranga.core.serializers import BaseModelSerializer
from teranga.core.validators import validate_image_content
from teranga.platform.accounts.models import ClientProfile, Language, User
from teranga.platform.geo.api.serializers import RegionCodeField


class ClientProfileSerializer(BaseModelSerializer):
    """The client section of the profile: postal address."""

    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Null until the profile is first written (reading it creates nothing).",
    )

    class Meta:
        model = ClientProfile
        fields = [
            "address",
            "address_complement",
            "postal_code",
            "city",
            "region",
            "country",
            "updated_at",
        ]
        read_only_fields = fields


class ClientProfileUpdateSerializer(strict.Serializer):
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    address_complement = serializers.CharField(max_length=300, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    region = RegionCodeField(
        required=False, allow_null=True, help_text=_("Region code, e.g. DK for Dakar.")
    )
    # The model's choices: the same CountryEnum as everywhere else in the schema.
    country = serializers.ChoiceField(
        choices=ClientProfile._meta.get_field("country").choices, required=False
    )


class MeSerializer(BaseModelSerializer):
    """The signed-in user's profile (read)."""

    phone = serializers.SerializerMethodField()
    avatar = serializers.SerializerMethodField()
    email_verified = serializers.BooleanField(read_only=True)
    mfa_enabled = serializers.BooleanField(read_only=True)
    client = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "phone_verified",
            "language",
            "avatar",
            "privacy_consent_at",
            "date_joined",
            "email_verified",
            "mfa_enabled",
            "client",
        ]
        read_only_fields = fields

    @extend_schema_field(ClientProfileSerializer(allow_null=True))
    def get_client(self, user) -> dict | None:
        profile = getattr(user, "client_profile", None)
        return ClientProfileSerializer(profile).data if profile else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_phone(self, user) -> str | None:
        return user.phone.as_e164 if user.phone else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_avatar(self, user) -> str | None:
        if not user.avatar:
            return None
        request = self.context.get("request")
        url = user.avatar.url
        return request.build_absolute_uri(url) if request else url


class MeUpdateSerializer(strict.Serializer):
    """Profile changes. Email and phone change through allauth
    (``/_allauth/app/v1/account/email`` and ``/account/phone``)."""

    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    privacy_consent = serializers.BooleanField(
        required=False,
        help_text=_("true records the consent date now; false withdraws it."),
    )


class MeAvatarUploadSerializer(strict.Serializer):
    """The avatar upload (`PUT /api/v1/me/avatar/`, multipart/form-data)."""

    avatar = serializers.FileField(
        validators=[validate_image_content],
        help_text="A JPEG, PNG, WebP or GIF image (at most 40,000,000 pixels and 16,000 "
        "on a side), checked by content. It is stored re-encoded in its own format, upright "
        "(EXIF orientation applied), without metadata and with its real extension.",
    )


class MeEraseSerializer(strict.Serializer):
    password = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        max_length=PASSWORD_MAX_LENGTH,
        help_text=_("The current password."),
    )


class ExportEmailSerializer(serializers.Serializer):
    email = serializers.EmailField()
    primary = serializers.BooleanField()
    verified = serializers.BooleanField()


class ExportSessionSerializer(serializers.Serializer):
    ip = serializers.CharField()
    user_agent = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()


class ExportSmsSerializer(serializers.Serializer):
    to = serializers.CharField()
    body = serializers.CharField()
    purpose = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class ExportSocialAccountSerializer(serializers.Serializer):
    provider = serializers.CharField(help_text="`google` or `apple`.")
    uid = serializers.CharField(help_text="The account's id at the provider.")
    email = serializers.EmailField(allow_null=True)
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField()


class MeExportSerializer(serializers.Serializer):
    exported_at = serializers.DateTimeField()
    profile = MeSerializer()
    emails = ExportEmailSerializer(many=True)
    sessions = ExportSessionSerializer(many=True)
    mfa_types = serializers.ListField(child=serializers.CharField())
    sms_messages = ExportSmsSerializer(many=True)
    client_profile = ClientProfileSerializer(allow_null=True)
    social_accounts = ExportSocialAccountSerializer(
        many=True, help_text="Accounts linked at Google or Apple (never their tokens)."
    )
    products = serializers.DictField(
        child=serializers.DictField(),
        help_text=(
            "What each app and product keeps of the user, by exporter name "
            "(`<product>.<name>`): plain data."
        ),
    )
