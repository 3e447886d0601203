"""``{% analytics_script organization %}``: the analytics script of the organisation's
first active site, or nothing when it has none. A product's page includes it (``{% load
analytics %}``); the lookup is cached for a minute."""

from __future__ import annotations

from django import template
from django.core.cache import cache
from django.templatetags.static import static
from django.utils.html import format_html

from teranga.core.links import public_base

from ..selectors import site_of_organization

register = template.Library()
CACHE_SECONDS = 60
COLLECT_PATH = "/api/v1/analytics/collect/"


def site_public_id(organization) -> str:
    key = f"analytics:site-of:{organization.pk}"
    found = cache.get(key)
    if found is None:
        site = site_of_organization(organization)
        found = site.public_id if site else ""
        cache.set(key, found, CACHE_SECONDS)
    return found


def script_for(request, organization) -> str:
    """The ``<script>`` of the organisation's site, or "" (the tag and the pages' head
    hook, ``core.pages.page_head_hooks``)."""
    if organization is None:
        return ""
    public_id = site_public_id(organization)
    if not public_id:
        return ""
    # On a host a business registered, only its page is served: send to Teranga's own.
    api = (
        f"{public_base()}{COLLECT_PATH}" if getattr(request, "public_host", None) else COLLECT_PATH
    )
    return format_html(
        '<script defer src="{}" data-site="{}" data-api="{}"></script>',
        static("analytics/teranga-analytics.js"),
        public_id,
        api,
    )


@register.simple_tag(takes_context=True)
def analytics_script(context, organization):
    return script_for(context.get("request"), organization)
