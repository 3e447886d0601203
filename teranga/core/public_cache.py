"""HTTP caching of public reads: ETag, ``Cache-Control``, 304 and a server-side cache
that a change invalidates at once.

A DRF view that answers anonymous reads (a directory, a catalogue, reference lists)
derives from :class:`PublicCacheMixin` and names the **scopes** its answer depends on
(``public_cache_scopes``: ``["organizations"]``, ``[f"organization:{id}"]`` …). Then:

* every ``200`` to a ``GET``/``HEAD`` carries a strong ``ETag`` (a digest of the body and
  its language) and ``Vary: Accept-Language, Authorization``; an anonymous answer is
  ``Cache-Control: public, max-age=…, stale-while-revalidate=…``, one to a signed-in
  caller ``private, no-cache`` (it may differ: members see more), so a shared cache
  never mixes the two;
* a matching ``If-None-Match`` (``*``, a list, weak comparison as RFC 9110 says: a
  ``W/`` tag from GZip matches) answers ``304 Not Modified`` with no body
  (``django.utils.cache.get_conditional_response``);
* an anonymous answer is kept in Django's cache, keyed by the view, the absolute URL
  (path and query), the language and the current **version** of each scope. A hit is
  served before the view runs (authentication and throttles still apply; no database
  query unless the view needs one to name its scopes). Only ``200`` answers are kept.

**Invalidation** bumps a scope's version (a fresh random token) rather than deleting
keys: entries of older versions are never read again and expire on their own
(``PUBLIC_CACHE_SECONDS``, 0 turns the server-side cache off). :func:`invalidate_on`
bumps scopes from a model's ``post_save``/``post_delete`` (and ``m2m_changed``): the
app that owns the models registers it from its ``AppConfig.ready()`` — a product from
its ``product.py`` — so the core never names a domain. Writes that send no signal
(``QuerySet.update``, ``bulk_create``) call :func:`scopes_bump` themselves. A bump is
done at once *and* again after the transaction commits, so no reader can keep an answer
computed from data that was not committed yet under the new version.

The OpenAPI of those ``GET`` operations documents ``If-None-Match``, the ``304`` and
the ``ETag``, ``Cache-Control`` and ``Vary`` headers (:class:`PublicCacheSchema`).
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    quote_etag,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

SCOPE_PREFIX = "public-cache:scope:"
ENTRY_PREFIX = "public-cache:entry:"
#: Server-side lifetime of an entry when neither the view nor the settings say.
DEFAULT_SECONDS = 300
VARY = ("Accept-Language", "Authorization")
SAFE_METHODS = ("GET", "HEAD")

Scopes = Iterable[str] | Callable[..., Iterable[str]]


# --- Versions ----------------------------------------------------------------------------


def _scope_key(scope: str) -> str:
    return SCOPE_PREFIX + hashlib.sha256(scope.encode()).hexdigest()[:40]


def scope_versions(scopes: Iterable[str]) -> list[str]:
    """The current version token of each scope (one cache round trip; a scope never
    bumped, or whose version was evicted, gets one now)."""
    keys = [_scope_key(scope) for scope in scopes]
    found = cache.get_many(keys)
    versions = []
    for key in keys:
        version = found.get(key)
        if version is None:
            version = uuid.uuid4().hex
            if not cache.add(key, version, None):
                version = cache.get(key) or version
        versions.append(version)
    return versions


def _bump(scopes: Iterable[str]) -> None:
    cache.set_many({_scope_key(scope): uuid.uuid4().hex for scope in scopes}, None)


def scopes_bump(*scopes: str) -> None:
    """Make every cached answer of ``scopes`` stale: now, and again after commit."""
    unique = sorted(set(scopes))
    if not unique:
        return
    _bump(unique)
    transaction.on_commit(functools.partial(_bump, unique))


def _scopes_of(scopes: Scopes, instance) -> list[str]:
    return list(scopes(instance) if callable(scopes) else scopes)


def _origin(scopes: Scopes) -> str:
    """Who registers (a stable ``dispatch_uid``: connecting twice is harmless)."""
    if not callable(scopes):
        return ",".join(scopes)
    code = getattr(scopes, "__code__", None)
    line = code.co_firstlineno if code else ""
    return f"{scopes.__module__}.{getattr(scopes, '__qualname__', '')}:{line}"


def invalidate_on(model, scopes: Scopes, *, m2m: Iterable[str] = ()) -> None:
    """Bump ``scopes`` whenever a ``model`` row is saved or deleted. ``scopes`` is a list
    of names or ``function(instance) -> names``; ``m2m`` names many-to-many fields of the
    model whose changes count too. Idempotent (``ready()`` may run twice)."""
    if not callable(scopes):
        scopes = tuple(scopes)
    uid = f"public_cache:{model._meta.label_lower}:{_origin(scopes)}"

    def changed(sender, instance, **kwargs) -> None:
        if kwargs.get("raw"):  # loaddata: nothing is served from it yet
            return
        scopes_bump(*_scopes_of(scopes, instance))

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
    for field_name in m2m:
        through = getattr(model, field_name).through

        def relation_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
            if not action.startswith("post_"):
                return
            if not reverse:
                scopes_bump(*_scopes_of(scopes, instance))
                return
            rows = model._default_manager.filter(pk__in=pk_set) if pk_set else []
            scopes_bump(*(name for row in rows for name in _scopes_of(scopes, row)))

        m2m_changed.connect(
            relation_changed, sender=through, weak=False, dispatch_uid=f"{uid}:{field_name}"
        )


def bumping(function: Callable[..., int], *scopes: str) -> Callable[..., int]:
    """``function`` (a job that returns how many rows it changed), bumping ``scopes``
    when it changed any: for jobs whose writes send no signal (``QuerySet.update``)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        changes = function(*args, **kwargs)
        if changes:
            scopes_bump(*scopes)
        return changes

    return wrapper


# --- The view side -----------------------------------------------------------------------


class _CachedAnswer(Exception):  # noqa: N818 - control flow, not an error
    """Raised from the permission check to answer from the cache (see the mixin)."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__()
        self.response = response


def _etag(content: bytes, language: str) -> str:
    digest = hashlib.sha256(language.encode() + b"\0" + content).hexdigest()[:32]
    return quote_etag(digest)


CONDITIONAL_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="ETags of the copies the client holds (`*`, or a list; `W/` tags "
        "compare weakly). When one matches the current answer: 304 with no body.",
    ),
    OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="The answer's entity tag: send it back in `If-None-Match`.",
    ),
    OpenApiParameter(
        "Cache-Control",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="`public, max-age=…, stale-while-revalidate=…` to anonymous "
        "callers; `private, no-cache` to signed-in ones (who may see more).",
    ),
    OpenApiParameter(
        "Vary",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="`Accept-Language, Authorization` (among others).",
    ),
]

NOT_MODIFIED = OpenApiResponse(
    description="Not Modified: the copy named by `If-None-Match` is current. No body."
)


class PublicCacheSchema(AutoSchema):
    """The OpenAPI of a cached read: ``If-None-Match``, the 304 and the response headers
    on ``GET`` (drf-spectacular puts ``extend_schema`` overrides above this class)."""

    def _cached(self) -> bool:
        return self.method == "GET"

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        return parameters + CONDITIONAL_PARAMETERS if self._cached() else parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self._cached() and direction == "response" and "304" not in responses:
            responses["304"] = self._get_response_for_code(NOT_MODIFIED, "304")
        return responses


class PublicCacheMixin:
    """For a DRF ``APIView`` whose ``GET`` is readable anonymously. Subclasses define
    :meth:`public_cache_scopes`; the class attributes tune the lifetimes."""

    #: ``Cache-Control`` of anonymous answers (seconds).
    public_cache_max_age: int = 60
    public_cache_stale: int = 300
    #: Server-side lifetime (seconds); ``None``: ``settings.PUBLIC_CACHE_SECONDS``.
    public_cache_timeout: int | None = None

    schema = PublicCacheSchema()

    def public_cache_scopes(self, request, **kwargs) -> Iterable[str] | None:
        """The scopes the answer depends on; ``None``: don't keep it (the view answers
        an error anyway, e.g. an unknown id)."""
        raise NotImplementedError

    # -- DRF hooks --

    def _public_cache_seconds(self) -> int:
        if self.public_cache_timeout is not None:
            return self.public_cache_timeout
        return int(getattr(settings, "PUBLIC_CACHE_SECONDS", DEFAULT_SECONDS))

    def _public_cache_key(self, request) -> str | None:
        if self._public_cache_seconds() <= 0:
            return None
        scopes = self.public_cache_scopes(request, **self.kwargs)
        if scopes is None:
            return None
        parts = [
            f"{type(self).__module__}.{type(self).__qualname__}",
            translation.get_language() or "",
            request.build_absolute_uri(),
            *scope_versions(scopes),
        ]
        return ENTRY_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def check_permissions(self, request):
        # Runs right after authentication (APIView.initial): an anonymous read may be
        # answered from the cache here, after the throttles, before the permission
        # check and the view (the cached answer was allowed for anonymous callers at
        # this very version of its scopes).
        self._public_cache_entry_key = None
        if request.method in SAFE_METHODS and not request.user.is_authenticated:
            key = self._public_cache_key(request)
            self._public_cache_entry_key = key
            entry = cache.get(key) if key else None
            if entry is not None:
                self.check_throttles(request)
                response = HttpResponse(entry["content"], content_type=entry["content_type"])
                raise _CachedAnswer(self._public_cache_finish(request, response, entry["etag"]))
        super().check_permissions(request)

    def handle_exception(self, exc):
        if isinstance(exc, _CachedAnswer):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method not in SAFE_METHODS
            or response.status_code != 200
            or getattr(response, "_public_cache_done", False)
            or response.streaming
        ):
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        etag = _etag(response.content, translation.get_language() or "")
        key = getattr(self, "_public_cache_entry_key", None)
        if key and not request.user.is_authenticated:
            entry = {
                "content": response.content,
                "content_type": response["Content-Type"],
                "etag": etag,
            }
            cache.set(key, entry, self._public_cache_seconds())
        return self._public_cache_finish(request, response, etag)

    def _public_cache_finish(self, request, response, etag: str):
        response["ETag"] = etag
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(
                response,
                public=True,
                max_age=self.public_cache_max_age,
                stale_while_revalidate=self.public_cache_stale,
            )
        patch_vary_headers(response, VARY)
        response._public_cache_done = True
        not_modified = get_conditional_response(
            getattr(request, "_request", request), etag=etag, response=response
        )
        if not_modified is not None:
            not_modified._public_cache_done = True
            return not_modified
        return response
