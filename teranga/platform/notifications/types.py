"""Notification types: what a kind of notification says, and where it goes.

A product declares its types in its contract (``Product.notification_types``); a platform
app registers its own when Django starts::

    notification_type_register(NotificationType(
        name="invoice.issued",
        channels=(Channel.EMAIL, Channel.WEBSOCKET),
        title=lambda ctx: _("Invoice %(number)s") % ctx,
        body=lambda ctx: _("%(organization)s issued it.") % ctx,
        label=gettext_lazy("Invoices and credit notes"),  # the preferences screen
    ))

Renderers take the notification's context (a dict of JSON values: strings, numbers,
lists, dicts — dates arrive as ISO strings) and return text. They always run inside
:func:`rendering` (the recipient's language is active), so ``gettext`` in them speaks
the recipient's language; Wolof strings that are not translated fall back to French.

A type may say more about itself:

* ``urgent`` — the user cannot turn it off and quiet hours do not hold it back
  (transactional messages: money moved, account security). Preferences only ever
  affect outbound channels; the in-app inbox always keeps every notification.
* ``staff_only`` — only organisation staff receive it (left out of the preferences of
  users who belong to no organisation).
* ``send_priority`` — the task priority of its sends (``teranga.core.priorities``):
  ``CRITICAL`` by default (someone is waiting for it: a receipt, a confirmation, a
  code); ``NORMAL`` for a notice nobody waits on at once, which then lets a burst's
  critical sends go first.
* ``sample`` — context values for the staff preview and the template tests; any key a
  type does not give gets a plausible placeholder (:class:`SampleContext`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from teranga.core.i18n import normalize_language
from teranga.core.links import public_base
from teranga.core.priorities import CRITICAL
from teranga.core.registry import Registry

from .models import Channel
from .sms_text import sms_fit

Renderer = Callable[[dict[str, Any]], str]

#: The template of every email unless a type renders its own HTML.
EMAIL_TEMPLATE = "notifications/email.html"
TITLE_MAX_LENGTH = 200
PLATFORM_NAME = "Teranga"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class NotificationType:
    """A kind of notification. ``title`` and ``body`` are what the inbox (and the live
    socket, push, and by default SMS and email) shows; the optional renderers override
    one channel's text."""

    name: str
    channels: tuple[str, ...]
    title: Renderer
    body: Renderer
    email_subject: Renderer | None = None
    email_text: Renderer | None = None
    email_html: Renderer | None = None
    sms: Renderer | None = None
    #: Ignores the user's preferences and quiet hours (security, money).
    urgent: bool = False
    #: Only organisation staff receive it.
    staff_only: bool = False
    #: The task priority of its sends (``teranga.core.priorities``).
    send_priority: int = CRITICAL
    #: Context values for previews and tests (merged over generic placeholders).
    sample: dict[str, Any] = field(default_factory=dict)
    #: What the preferences screen calls it (a lazy string); else its sample title.
    label: Any = None

    def __post_init__(self) -> None:
        unknown = set(self.channels) - set(Channel.values)
        if unknown:
            raise ValueError(f"notification type {self.name!r}: unknown channels {unknown}")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError(f"notification type {self.name!r}: a channel is listed twice")

    @property
    def is_urgent(self) -> bool:
        """Sent whatever the user's preferences and quiet hours (``urgent=True``)."""
        return self.urgent

    def render_label(self) -> str:
        """Its name for people, in the active language."""
        if self.label is not None:
            return str(self.label)
        return self.render_title(sample_context(self))

    def render_title(self, context: dict[str, Any]) -> str:
        return str(self.title(context)).strip()[:TITLE_MAX_LENGTH]

    def render_body(self, context: dict[str, Any]) -> str:
        return str(self.body(context)).strip()

    def render_sms(self, context: dict[str, Any], *, title: str, body: str) -> str:
        if self.sms is not None:
            return str(self.sms(context)).strip()
        return f"{title}\n{body}".strip() if body else title

    def render_email(
        self, context: dict[str, Any], *, title: str, body: str, link: str = ""
    ) -> RenderedEmail:
        subject = str(self.email_subject(context)) if self.email_subject else title
        text = str(self.email_text(context)) if self.email_text else body
        url = absolute_url(link)
        if url:
            text = f"{text}\n\n{url}" if text else url
        if self.email_html is not None:
            html = str(self.email_html(context))
        else:
            organization = str(context.get("organization") or "") or PLATFORM_NAME
            html = render_to_string(
                EMAIL_TEMPLATE,
                {
                    "title": title,
                    "paragraphs": [p for p in text.split("\n") if p.strip() and p != url],
                    "url": url,
                    "button": pgettext("email button", "Open"),
                    "sender": organization,
                    "platform": PLATFORM_NAME,
                    "footer": _(
                        "You receive this email because of your %(platform)s account. "
                        "Choose what you receive in the app's notification settings."
                    )
                    % {"platform": PLATFORM_NAME},
                },
            )
        return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)


def absolute_url(link: str) -> str:
    """``link`` as an address a mail client can open: a path is put under the public URL
    of the platform; anything that is not a path or an http(s) URL is dropped."""
    link = (link or "").strip()
    if link.startswith("/") and not link.startswith("//"):
        return f"{public_base()}{link}"
    if link.startswith(("https://", "http://")):
        return link
    return ""


notification_types: Registry[NotificationType] = Registry("notification type")



def notification_type_register(notification_type: NotificationType) -> NotificationType:
    """Register ``notification_type`` under its name (again with the same object: harmless)."""
    notification_types.register(notification_type.name, notification_type)
    return notification_type


def notification_type(name: str) -> NotificationType:
    """The registered type ``name``; LookupError if there is none."""
    return notification_types.get(name)


def notification_types_all() -> list[NotificationType]:
    """Every registered type, by name."""
    return [notification_types.get(name) for name in notification_types.names()]


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


def sms_text(kind_type: NotificationType, context: dict[str, Any], *, title: str, body: str) -> str:
    """The SMS of a notification, kept within two GSM-7 segments where it can be."""
    return sms_fit(kind_type.render_sms(context, title=title, body=body))


# --- Sample contexts (staff preview, template tests) ------------------------------------

SAMPLE_MOMENT = "2026-03-02T10:00:00+00:00"
SAMPLE_VALUES: dict[str, Any] = {
    "title": "Coupe et brushing",
    "body": "Le salon sera fermé samedi 7 mars.",
    "organization": "Salon Awa",
    "description": "Coupe et brushing",
    "client_name": "Awa Diop",
    "reason": "Indisponibilité",
    "amount": 5000,
    "currency": "XOF",
    "total": "5 000 F CFA",
    "number": "CT-20260302-0001",
    "credit_of": "CT-20260301-0007",
    "transaction_number": "MP260302.1000.A12345",
    "plan": "business",
    "plan_name": "Business",
    "time_zone": "Africa/Dakar",
    "starts_at": SAMPLE_MOMENT,
    "ends_at": "2026-03-02T11:00:00+00:00",
    "previous_starts_at": "2026-03-01T15:00:00+00:00",
    "end": "2026-04-02T00:00:00+00:00",
    "grace_until": "2026-04-09T00:00:00+00:00",
    "offset_minutes": 60,
    "status": "confirmed",
    "event": "confirmed",
    "audience": "client",
    "source": "scheduling",
    "kind": "invoice",
    "period": "monthly",
}


class SampleContext(dict):
    """A context for previews: the known sample values, plus a plausible placeholder for
    any other key a renderer asks for (``ctx[k]``, ``ctx.get(k)``, ``%(k)s``)."""

    def __missing__(self, key: str) -> Any:
        return self._placeholder(key)

    def get(self, key: str, default: Any = None) -> Any:  # noqa: D401 - dict API
        if key in self:
            return self[key]
        return self._placeholder(key)

    @staticmethod
    def _placeholder(key: str) -> Any:
        key = str(key)
        if key.endswith("_at") or key in {"date", "start", "end", "when", "until"}:
            return SAMPLE_MOMENT
        if key.endswith("_id") or key == "id":
            return "00000000-0000-4000-8000-000000000001"
        if key.endswith(("_minutes", "_count", "_amount")) or key in {"count", "position"}:
            return 1
        return key.replace("_", " ").capitalize()


def sample_context(kind_type: NotificationType) -> SampleContext:
    """The sample context of ``kind_type`` (its own values over the generic ones)."""
    return SampleContext({**SAMPLE_VALUES, **json_context(dict(kind_type.sample))})
