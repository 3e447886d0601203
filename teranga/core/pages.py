"""The pages our links open: the handover page of an object (``/o/<kind>/<id>/``) and
the files that make those addresses universal links (Android App Links, iOS Universal
Links). Plain Django views rendering light HTML: a phone's browser shows them, no
JavaScript needed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from teranga.core.i18n import SUPPORTED_LANGUAGES, normalize_language
from teranga.core.links import app_link, link_kinds
from teranga.core.registry import Registry

#: The addresses the app claims as universal links.
APP_LINK_PATHS = ("/o/*", "/invitations/*", "/account/*")

LANGUAGE_NAMES = {"fr": "Français", "en": "English", "wo": "Wolof"}


def in_page_language(view=None, *, remember: bool = False):
    """Render ``view`` in ``?lang=`` when it names a language we speak (the links we send
    carry their reader's language), else in the request's (Accept-Language).
    ``@in_page_language(remember=True)``: a page with a language switch that a visitor
    goes on browsing also keeps the choice in Django's language cookie, which
    LocaleMiddleware reads on the next pages."""
    if view is None:
        return functools.partial(in_page_language, remember=remember)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        asked = request.GET.get("lang", "")
        language = normalize_language(asked, default="") if asked else ""
        if language not in SUPPORTED_LANGUAGES:
            return view(request, *args, **kwargs)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            response["Content-Language"] = language
            if remember:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 86400, samesite="Lax"
                )
            return response

    return wrapper


def page_context(**context) -> dict:
    """What every page template gets besides its own context (the language switcher)."""
    return {"page_languages": [(c, LANGUAGE_NAMES[c]) for c in SUPPORTED_LANGUAGES], **context}


@require_safe
@in_page_language
def object_page(request, kind: str, object_id: str):
    """Hand over to the app, and show the object to a signed-in user it belongs to."""
    try:
        link_kind = link_kinds.get(kind)
    except LookupError:
        raise Http404 from None
    signed_in = bool(getattr(request, "user", None) and request.user.is_authenticated)
    rows = None
    if signed_in and link_kind.summary is not None:
        rows = link_kind.summary(request.user, object_id)
    return render(
        request,
        "core/handover.html",
        page_context(
            title=link_kind.title,
            rows=rows,
            signed_in=signed_in,
            app_url=app_link(link_kind, object_id),
            head_extra=_head_extra(request, link_kind, object_id),
        ),
    )


#: ``(request, organization) -> HTML`` (escaped by the hook: ``format_html``) added to the
#: head of a page shown for one of the organisation's objects. The analytics module adds
#: the organisation's analytics script, so the page's views reach its reports.
page_head_hooks: Registry[Callable[[Any, Any], str]] = Registry("page head hook")


def _head_extra(request, link_kind, object_id: str) -> str:
    if link_kind.organization is None:
        return ""
    organization = link_kind.organization(object_id)
    if organization is None:
        return ""
    hooks = (page_head_hooks.get(name) for name in page_head_hooks.names())
    return mark_safe("".join(str(hook(request, organization)) for hook in hooks))  # noqa: S308 — each hook escapes


@require_safe
@in_page_language
def account_page(request, path: str):
    """``/account/<path>/``: the links of the account emails (verify an address, reset a
    password, sign up) hand over to the app at ``<scheme>://account/<path>``."""
    scheme = settings.TERANGA.get("APP_LINK_SCHEME") or "teranga"
    return render(
        request,
        "core/handover.html",
        page_context(
            title=_("Your account"),
            rows=None,
            signed_in=False,
            app_url=f"{scheme}://account/{path}",
        ),
    )


@require_safe
def android_asset_links(request):
    """``/.well-known/assetlinks.json``: the Android app (``APP_ANDROID_PACKAGE``, signed
    with ``APP_ANDROID_SHA256``) may open our links. 404 until both are set."""
    package = settings.TERANGA.get("APP_ANDROID_PACKAGE")
    fingerprints = settings.TERANGA.get("APP_ANDROID_SHA256") or []
    if not package or not fingerprints:
        raise Http404
    statement = {
        "relation": ["delegate_permission/common.handle_all_urls"],
        "target": {
            "namespace": "android_app",
            "package_name": package,
            "sha256_cert_fingerprints": list(fingerprints),
        },
    }
    return JsonResponse([statement], safe=False)


@require_safe
def apple_app_site_association(request):
    """``/.well-known/apple-app-site-association``: the iOS apps (``APP_IOS_APP_IDS``,
    ``TEAMID.bundle.id``) may open our links. 404 until set."""
    app_ids = settings.TERANGA.get("APP_IOS_APP_IDS") or []
    if not app_ids:
        raise Http404
    components = [{"/": path} for path in APP_LINK_PATHS]
    return JsonResponse(
        {"applinks": {"details": [{"appIDs": list(app_ids), "components": components}]}}
    )
