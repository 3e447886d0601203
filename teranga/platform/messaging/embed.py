"""The support widget that any website embeds (seed 004): the addresses of the widget
page that Teranga serves and of the loader script, and the snippet a site pastes.

A site adds ``<script src="<PUBLIC_URL>/static/messaging/support-widget.js"
data-organization="<organisation id>" async></script>``: the loader draws a launcher
button and, on click, a panel framing ``/support/widget/<organisation id>/`` (the page
answers ``frame-ancestors *``; every other page of ours refuses to be framed). Every
address comes from ``PUBLIC_URL`` through :func:`teranga.core.links.public_link`.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.html import format_html

from teranga.core.links import public_link

LOADER = "messaging/support-widget.js"


def widget_page_path(organization_id) -> str:
    return f"/support/widget/{organization_id}/"


def widget_page_link(organization_id, *, language: str | None = None) -> str:
    """The widget page of an organisation (what the loader frames)."""
    return public_link(widget_page_path(organization_id), language=language)


def loader_link() -> str:
    """The loader script, at its stable (unhashed) static address."""
    return public_link(f"{settings.STATIC_URL.rstrip('/')}/{LOADER}")


def embed_snippet(organization_id) -> str:
    """The one line a website pastes to show the organisation's support widget."""
    return str(
        format_html(
            '<script src="{}" data-organization="{}" async></script>',
            loader_link(),
            str(organization_id),
        )
    )


def widget_embed(organization_id) -> dict[str, str]:
    """``widget-config``'s ``embed``: the page, the loader and the snippet."""
    return {
        "page_url": widget_page_link(organization_id),
        "script_url": loader_link(),
        "snippet": embed_snippet(organization_id),
    }
