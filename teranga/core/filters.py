"""Query filters shared by every app's ``FilterSet``."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema_field

from teranga.core.limits import QUERY_MAX_LENGTH


class TextFilter(django_filters.CharFilter):
    """A free-text query parameter (``q``, a city, a code) of at most ``max_length``
    characters (``QUERY_MAX_LENGTH`` by default): longer answers 400 naming the parameter.

    django-filter passes ``max_length`` to the form field, but drf-spectacular maps a
    ``CharFilter`` to a bare string; the schema's ``maxLength`` is declared here."""

    def __init__(self, *args, max_length: int = QUERY_MAX_LENGTH, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        schema = {"type": "string", "maxLength": max_length}
        description = kwargs.get("help_text") or kwargs.get("label")
        if description:
            # An overridden schema keeps no label of the filter's: carry it over.
            schema["description"] = str(description)
        extend_schema_field(schema)(self)
