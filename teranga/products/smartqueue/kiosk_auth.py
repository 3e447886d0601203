"""Kiosk authentication: ``Authorization: Api-Key <key>`` (an organisation API key of
one kiosk, see ``services.kiosks``), and the per-kiosk throttle.

A request with a valid key of an active kiosk gets ``request.auth`` = the :class:`Kiosk`
(and an anonymous ``request.user``); an unknown or revoked key answers 401. The key is
looked up by its SHA-256 digest (unique), never compared in clear.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from teranga.core.throttling import SimpleRateThrottle

from .models import Kiosk
from .services.kiosks import kiosk_authenticate

KEYWORD = "Api-Key"
THROTTLE_SCOPE = "smartqueue_kiosk"


class KioskKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the key after Api-Key."))
        try:
            raw_key = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        kiosk = kiosk_authenticate(raw_key)
        if kiosk is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        return AnonymousUser(), kiosk

    def authenticate_header(self, request) -> str:
        return KEYWORD


class IsKiosk(BasePermission):
    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, Kiosk):
            raise exceptions.NotAuthenticated()
        return True


class KioskRateThrottle(SimpleRateThrottle):
    """One budget per kiosk (scope ``smartqueue_kiosk``, ``THROTTLE_SMARTQUEUE_KIOSK``)."""

    scope = THROTTLE_SCOPE

    def get_rate(self):
        # Read at request time (DRF reads its rates once, at import).
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, Kiosk):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class KioskKeyScheme(OpenApiAuthenticationExtension):
    target_class = "teranga.products.smartqueue.kiosk_auth.KioskKeyAuthentication"
    name = "kioskApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: a kiosk's key, shown once when a manager "
            "creates the kiosk (POST /api/v1/smartqueue/kiosks/).",
        }
