"""``OPTIONS`` answers for every API view.

DRF's ``SimpleMetadata`` calls ``view.get_object()`` to describe a ``PUT``. Our views find
their objects through services and selectors (which check access), not through a
``queryset``/``lookup_field`` pair, so that call would fail; describing the write needs
no object. The permission check still runs as in DRF, and a view without a serializer
describes nothing instead of failing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request


class Metadata(SimpleMetadata):
    def determine_actions(self, request, view):
        actions = {}
        for method in {"PUT", "POST"} & set(view.allowed_methods):
            view.request = clone_request(request, method)
            try:
                if hasattr(view, "check_permissions"):
                    view.check_permissions(view.request)
            except (exceptions.APIException, PermissionDenied, Http404):
                pass
            else:
                try:
                    serializer = view.get_serializer()
                except AssertionError:  # no serializer_class: nothing to describe
                    continue
                actions[method] = self.get_serializer_info(serializer)
            finally:
                view.request = request
        return actions
