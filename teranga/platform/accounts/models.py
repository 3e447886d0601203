"""The Teranga user: UUID key, email unique regardless of case, optional verified phone,
preferred language, content-validated avatar and the date privacy consent was given."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from teranga.core.encryption import EncryptedPhoneNumberField, EncryptedTextField, PhoneHashField
from teranga.core.storage import public_media_storage
from teranga.core.validators import validate_image_content


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")
    WOLOF = "wo", _("Wolof")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def normalize_email(self, email: str | None) -> str:
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str):
        return self.get(email__iexact=(username or "").strip())

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


def avatar_path(instance: User, filename: str) -> str:
    # user_update names the avatar by its checked format (teranga.core.images).
    from teranga.core.images import stored_extension

    return f"avatars/{instance.pk}/{uuid.uuid4().hex}{stored_extension(filename)}"


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    # Encrypted at rest; looked up (sign-in by phone, inbound SMS) by its keyed hash.
    phone = EncryptedPhoneNumberField(_("phone number"), blank=True, null=True)
    phone_hash = PhoneHashField(source="phone")
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.FRENCH
    )
    avatar = models.ImageField(
        _("avatar"),
        upload_to=avatar_path,
        storage=public_media_storage,
        blank=True,
        validators=[validate_image_content],
    )
    privacy_consent_at = models.DateTimeField(_("privacy consent given at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["-date_joined"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            # A phone number identifies one account once it is verified.
            models.UniqueConstraint(
                fields=["phone_hash"],
                condition=models.Q(phone_verified=True) & ~models.Q(phone_hash=""),
                name="accounts_user_verified_phone_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email


class ClientProfile(models.Model):
    """What a business needs to know of a client: postal address (the name and phone
    live on the user). One per user, created on first write."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="client_profile"
    )
    # Encrypted at rest (teranga.core.encryption).
    address = EncryptedTextField(_("address"), max_length=300, blank=True)
    address_complement = EncryptedTextField(_("address complement"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.ForeignKey(
        "geo.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        choices=[("SN", _("Senegal")), ("FR", _("France"))],
        default="SN",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user"]
        verbose_name = _("client profile")
        verbose_name_plural = _("client profiles")

    def __str__(self) -> str:
        return f"{self.user} — {self.city}"
