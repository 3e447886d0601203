"""DRF authentication: allauth's JWT access token, then the user's own language."""

from allauth.headless.contrib.rest_framework.authentication import JWTTokenAuthentication
from django.utils import translation


class JWTAuthentication(JWTTokenAuthentication):
    """``Authorization: Bearer <access>``. Stateful: a token whose session was logged out
    or revoked is refused. Once the user is known, their preferred language wins over
    ``Accept-Language`` for the messages of this request."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user = result[0]
            language = getattr(user, "language", None)
            if language:
                translation.activate(language)
                request._request.LANGUAGE_CODE = language
        return result
