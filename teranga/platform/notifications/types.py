"""Notification types: what a kind of notification says, and where it goes.

An app registers its types when Django starts (from its ``hooks``)::

    notification_types.register("booking.confirmed", NotificationType(
        name="booking.confirmed",
        channels=(Channel.EMAIL, Channel.WEBSOCKET),
        title=lambda ctx: _("Booking confirmed"),
        body=lambda ctx: _("%(title)s on %(when)s.") % ctx,
    ))

Renderers take the notification's context (a dict of JSON values: strings, numbers,
lists, dicts — dates arrive as ISO strings) and return text. They always run inside
:func:`rendering` (the recipient's language is active), so ``gettext`` in them speaks
the recipient's language; Wolof strings that are not translated fall back to French.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import translation

from teranga.core.i18n import normalize_language
from teranga.core.registry import Registry

from .models import Channel

Renderer = Callable[[dict[str, Any]], str]

#: The template of every email unless a type renders its own HTML.
EMAIL_TEMPLATE = "notifications/email.html"
TITLE_MAX_LENGTH = 200


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class NotificationType:
    """A kind of notification. ``title`` and ``body`` are what the inbox (and the live
    socket, and by default SMS and email) shows; the optional renderers override one
    channel's text."""

    name: str
    channels: tuple[str, ...]
    title: Renderer
    body: Renderer
    email_subject: Renderer | None = None
    email_text: Renderer | None = None
    email_html: Renderer | None = None
    sms: Renderer | None = None

    def __post_init__(self) -> None:
        unknown = set(self.channels) - set(Channel.values)
        if unknown:
            raise ValueError(f"notification type {self.name!r}: unknown channels {unknown}")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError(f"notification type {self.name!r}: a channel is listed twice")

    def render_title(self, context: dict[str, Any]) -> str:
        return str(self.title(context)).strip()[:TITLE_MAX_LENGTH]

    def render_body(self, context: dict[str, Any]) -> str:
        return str(self.body(context)).strip()

    def render_sms(self, context: dict[str, Any], *, title: str, body: str) -> str:
        if self.sms is not None:
            return str(self.sms(context)).strip()
        return f"{title}\n{body}".strip() if body else title

    def render_email(self, context: dict[str, Any], *, title: str, body: str) -> RenderedEmail:
        subject = str(self.email_subject(context)) if self.email_subject else title
        text = str(self.email_text(context)) if self.email_text else body
        if self.email_html is not None:
            html = str(self.email_html(context))
        else:
            html = render_to_string(
                EMAIL_TEMPLATE,
                {"title": title, "paragraphs": [p for p in text.split("\n") if p.strip()]},
            )
        return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)


notification_types: Registry[NotificationType] = Registry("notification type")


def notification_type_register(notification_type: NotificationType) -> NotificationType:
    """Register ``notification_type`` under its name (again with the same object: harmless)."""
    notification_types.register(notification_type.name, notification_type)
    return notification_type


def notification_type(name: str) -> NotificationType:
    """The registered type ``name``; LookupError if there is none."""
    return notification_types.get(name)


@contextmanager
def rendering(language: str | None) -> Iterator[str]:
    """Activate the supported language closest to ``language`` (French by default)."""
    code = normalize_language(language)
    with translation.override(code):
        yield code


def json_context(context: dict[str, Any]) -> dict[str, Any]:
    """``context`` as stored and as renderers see it: a JSON round trip (UUIDs, dates and
    decimals become strings), so a renderer gets the same values when it runs again at
    delivery time."""
    if not isinstance(context, dict):
        raise TypeError("A notification context must be a dict.")
    return json.loads(json.dumps(context, cls=DjangoJSONEncoder))
