"""JSON error pages: even a URL that matches nothing answers in the standard shape."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.views import SpectacularAPIView

from teranga.core.errors import CoreError, error_json_response


def not_found(request, exception=None):
    return error_json_response(404, CoreError.NOT_FOUND, _("Not found."))


def server_error(request):
    return error_json_response(500, CoreError.SERVER_ERROR, _("An unexpected error occurred."))


class SchemaView(SpectacularAPIView):
    """``/api/schema/``: the schema is generated from the code, so it is the same for the
    whole life of a process. It is built and rendered (YAML or JSON, as negotiated) once
    per API version and format, at the first request (one to three seconds), and served
    from memory after that; a deploy starts new processes, hence a new schema. It is
    always English (``teranga.core.schema.EnglishSchemaGenerator``)."""

    _schemas: dict = {}
    _rendered: dict = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        media_type = request.accepted_media_type
        key = (version, media_type)
        body = self._rendered.get(key)
        if body is None:
            schema = self._schemas.get(version)
            if schema is None:
                generator = self.generator_class(
                    urlconf=self.urlconf, api_version=version, patterns=self.patterns
                )
                schema = generator.get_schema(request=request, public=self.serve_public)
                self._schemas[version] = schema
            renderer = request.accepted_renderer
            body = renderer.render(schema, media_type, self.get_renderer_context())
            self._rendered[key] = body
        filename = self._get_filename(request, version)
        response = HttpResponse(body, content_type=f"{media_type}; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response
