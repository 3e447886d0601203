"""Somewhere to land: ``/`` is a page listing the products, the API docs, the schema and
health (and, in demo mode, the demo logins and the products' pages); ``/api/v1/`` is a
JSON index of the same, for a client that starts from the API root."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from teranga.core.pages import in_page_language, page_context
from teranga.platform.contract import installed_products


def _demo_mode() -> bool:
    return bool(settings.TERANGA.get("DEMO"))


def _products(*, with_pages: bool) -> list[dict]:
    listed = []
    for product in installed_products():
        links = []
        if with_pages and product.landing_links is not None:
            links = [(str(title), path) for title, path in product.landing_links()]
        listed.append({"label": product.label, "name": str(product.name), "links": links})
    return listed


@require_safe
@in_page_language
def home(request):
    demo = None
    if _demo_mode():
        from teranga.platform.organizations.demo import demo_logins, demo_password

        demo = {"logins": demo_logins(), "password": demo_password()}
    return render(
        request,
        "platform/landing.html",
        page_context(products=_products(with_pages=_demo_mode()), demo=demo),
    )


@extend_schema(
    operation_id="api_index",
    summary="The API's index",
    description="Where things are: the products' API roots, the documentation, the "
    "schemas (ours and allauth's authentication spec) and health.",
    tags=["Platform"],
    auth=[],
    responses={
        200: inline_serializer(
            "ApiIndex",
            {
                "name": serializers.CharField(),
                "version": serializers.CharField(),
                "products": inline_serializer(
                    "ApiIndexProduct",
                    {"label": serializers.CharField(), "name": serializers.CharField(),
                     "url": serializers.CharField()},
                    many=True,
                ),
                "docs": serializers.CharField(),
                "redoc": serializers.CharField(),
                "schema": serializers.CharField(),
                "auth": serializers.CharField(),
                "auth_schema": serializers.CharField(),
                "health": serializers.CharField(),
            },
        )
    },
)
@api_view(["GET"])
@permission_classes([AllowAny])
@authentication_classes([])
def api_index(request):
    return Response(
        {
            "name": settings.SPECTACULAR_SETTINGS["TITLE"],
            "version": settings.SPECTACULAR_SETTINGS["VERSION"],
            "products": [
                {"label": p["label"], "name": p["name"], "url": f"/api/v1/{p['label']}/"}
                for p in _products(with_pages=False)
            ],
            "docs": "/api/docs/",
            "redoc": "/api/redoc/",
            "schema": "/api/schema/",
            "auth": "/_allauth/app/v1/",
            "auth_schema": "/_allauth/openapi.json",
            "health": "/health/ready/",
        }
    )
