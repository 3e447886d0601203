"""DRF authentication: allauth's JWT access token, then the user's own language."""

from allauth.headless.contrib.rest_framework.authentication import JWTTokenAuthentication
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed

from teranga.core.i18n import language_from_header


class JWTAuthentication(JWTTokenAuthentication):
    """``Authorization: Bearer <access>``. Stateful: a token whose session was logged out
    or revoked is refused. The request's ``Accept-Language`` chooses the language of the
    answer (LocaleMiddleware); when it names none we speak, the user's own language does
    (DESIGN.md: the request first, then the profile)."""

    def authenticate_credentials(self, key: str):
        try:
            return super().authenticate_credentials(key)
        except AuthenticationFailed:
            # allauth's message is English only; ours is in the request's language.
            raise AuthenticationFailed(_("Invalid or expired token.")) from None

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and not language_from_header(
            request.META.get("HTTP_ACCEPT_LANGUAGE")
        ):
            user = result[0]
            language = getattr(user, "language", None)
            if language:
                translation.activate(language)
                request._request.LANGUAGE_CODE = language
        return result
