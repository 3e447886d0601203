"""Every link the platform sends, built by one function from ``PUBLIC_URL``.

Email, SMS, push, the payment return, invitations, calendar feeds and chat all carry
links made by :func:`public_link`. A link opens a page that Teranga serves, never a raw
API URL (an API URL answers 401 JSON in a browser and means nothing to an app):

* an object (a reservation, a payment, a conversation …) is linked through its
  **link kind**: ``/o/<kind>/<id>/`` is a small page that hands over to the app
  (``APP_LINK_SCHEME://<app path>``, or the same https address as a universal link) and
  shows the object to a signed-in user it belongs to (:func:`object_link`);
* any other page (the sandbox checkout, the payment return, an invitation, a feed) is
  linked by its path.

Kinds live in a registry: the platform's apps register theirs in ``AppConfig.ready()``,
products declare theirs in the product contract (``Product.link_kinds``).

``PUBLIC_URL`` defaults to the address the server listens on (``manage.py serve`` sets
it); behind a proxy or a domain, set it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from teranga.core.registry import Registry

#: What a signed-in user sees of an object on its page: (label, value) rows, or None
#: when the object does not exist or is not theirs (the page then shows nothing of it).
Summary = Callable[[Any, str], Sequence[tuple[str, str]] | None]


@dataclass(frozen=True)
class LinkKind:
    """A kind of object that links point at.

    ``name``: ``<app or product label>.<object>`` (``payments.payment``).
    ``title``: what the page calls it ("Payment"), translatable.
    ``app_path``: the app's route, with ``{id}``: ``payments/{id}`` opens
    ``<APP_LINK_SCHEME>://payments/<id>``.
    ``summary``: ``(user, id) -> rows | None``, checked against the user's access.
    ``organization``: ``(id) -> the organisation whose object it is | None``, for what the
    object's page adds for its organisation whoever reads it (``pages.page_head_hooks``:
    its web analytics). Only for objects that are public or near it (an event, a listing);
    nothing of the object itself is shown through it."""

    name: str
    title: Any
    app_path: str
    summary: Summary | None = None
    organization: Callable[[str], Any] | None = None


link_kinds: Registry[LinkKind] = Registry("link kind")


def link_kind_register(kind: LinkKind, *, origin: str = "") -> LinkKind:
    link_kinds.register(kind.name, kind, origin=origin)
    return kind


def public_base() -> str:
    """``PUBLIC_URL`` without its trailing slash."""
    return str(settings.TERANGA.get("PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")


def public_link(path: str, *, language: str | None = None, **query: Any) -> str:
    """The absolute address of the page ``path`` (``/pay/return/<id>/``), from
    ``PUBLIC_URL``, with ``query`` (None values left out) and the reader's ``language``
    (``?lang=``: the page answers in it). API paths are refused: they are not pages."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"a link is a path of ours, not {path!r}")
    if path.startswith("/api/"):
        raise ValueError(f"links open pages, never the API: {path!r}")
    params = {key: value for key, value in query.items() if value is not None}
    if language:
        params["lang"] = language
    suffix = f"?{urlencode(params)}" if params else ""
    return f"{public_base()}{path}{suffix}"


def object_link(kind: str, object_id: Any, *, language: str | None = None) -> str:
    """The link of one object: its handover page ``/o/<kind>/<id>/``. LookupError when
    ``kind`` is not registered (a typo would otherwise send a dead link)."""
    link_kinds.get(kind)
    return public_link(f"/o/{kind}/{object_id}/", language=language)


def app_link(kind: LinkKind, object_id: Any) -> str:
    """The app's own address for the object (``teranga://payments/<id>``)."""
    scheme = settings.TERANGA.get("APP_LINK_SCHEME") or "teranga"
    return f"{scheme}://{kind.app_path.format(id=object_id)}"


def summary_of(
    getter: Callable[[Any, str], Any], rows: Callable[[Any], Sequence[tuple[str, str]]]
) -> Summary:
    """A :data:`Summary` from the owning app's access-checked ``getter(user, id)`` (it
    raises when the object is missing or not the user's) and ``rows(object)``."""
    from django.core.exceptions import ValidationError

    from teranga.core.errors import ApplicationError

    def summary(user, object_id):
        try:
            found = getter(user, object_id)
        except (ApplicationError, ValidationError, ValueError, LookupError):
            return None
        return [(str(label), str(value)) for label, value in rows(found) if value not in ("", None)]

    return summary


def local_time_text(moment, time_zone: str) -> str:
    """``moment`` as people read it on a page: in ``time_zone``, in the active language."""
    from zoneinfo import ZoneInfo

    from django.utils import formats, timezone

    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment, ZoneInfo(time_zone)), "DATETIME_FORMAT")
