"""A small named registry: the one extension mechanism of Teranga.

The platform owns registries (payables, notification types, WebSocket routes, permission
actions …), each exposed in its app's ``extensions`` module; products fill them through
the product contract (``teranga.platform.contract``) from their ``AppConfig.ready()``, so
dependencies keep pointing one way.

* Registering a second, different item under a name stops the start with
  ``ImproperlyConfigured``, naming both (registering the very same object again is
  harmless: ``ready()`` may run twice).
* Registries are **frozen once the apps are ready**: after ``django.setup()`` finished,
  ``register`` refuses, so nothing can sneak in from a module that happens to be imported
  late (a worker that never imports it would not see it). Tests that need an extra item
  wrap its registration in :func:`thawed`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

_thaw = threading.local()


def _apps_ready() -> bool:
    from django.apps import apps

    return apps.ready


@contextmanager
def thawed(*registries: Registry) -> Iterator[None]:
    """Allow registrations after start-up in this thread, for tests. Items registered
    inside stay (tests register under their own names); with ``registries`` given, those
    registries are restored to their previous content on exit."""
    saved = [(r, dict(r._items), dict(r._origins)) for r in registries]
    depth = getattr(_thaw, "depth", 0)
    _thaw.depth = depth + 1
    try:
        yield
    finally:
        _thaw.depth = depth
        for registry, items, origins in saved:
            registry._items, registry._origins = items, origins


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._origins: dict[str, str] = {}

    def register(
        self, name: str, item: T | None = None, *, origin: str = ""
    ) -> Callable[[T], T] | T:
        """``registry.register("x", obj)`` or ``@registry.register("x")``. ``origin`` (the
        app that registers) only makes a duplicate's message clearer."""
        if item is not None:
            self._add(name, item, origin)
            return item

        def decorator(obj: T) -> T:
            self._add(name, obj, origin)
            return obj

        return decorator

    def _add(self, name: str, item: T, origin: str) -> None:
        if _apps_ready() and not getattr(_thaw, "depth", 0):
            by = f" by {origin}" if origin else ""
            raise ImproperlyConfigured(
                f"{self.kind} {name!r} registered after start-up{by}: register it from "
                "the app's AppConfig.ready() (the product contract)."
            )
        if not isinstance(name, str) or not name:
            raise ImproperlyConfigured(f"a {self.kind} needs a non-empty name, not {name!r}")
        existing = self._items.get(name)
        if existing is not None and existing is not item and existing != item:
            first = self._origins.get(name) or "another app"
            raise ImproperlyConfigured(
                f"{self.kind} {name!r} is registered twice: by {first} and by "
                f"{origin or 'another app'}. Each name may be registered once."
            )
        self._items[name] = item
        self._origins.setdefault(name, origin)

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise LookupError(f"unknown {self.kind} {name!r}") from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        """``(name, item)`` pairs in registration order."""
        return list(self._items.items())

    def values(self) -> list[T]:
        """The items in registration order."""
        return list(self._items.values())

    def origin(self, name: str) -> str:
        """Who registered ``name`` ("" when unknown)."""
        return self._origins.get(name, "")

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
