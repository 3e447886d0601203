"""The product contract: the one way a product plugs into the platform.

A product is one Django app under ``teranga/products/<label>/``. It declares everything it
contributes in one module of its own, ``product.py``, as a :class:`Product`, and its
``AppConfig`` derives from :class:`ProductConfig`, whose ``ready()`` installs it::

    # teranga/products/clinic/apps.py
    class ClinicConfig(ProductConfig):
        name = "teranga.products.clinic"
        label = "clinic"

    # teranga/products/clinic/product.py
    def product() -> Product:
        return Product(label="clinic", name="Clinic", api_urls="teranga.products.clinic.api.urls",
                       actions=[Action("clinic.manage", Role.MANAGER)], …)

Adding a product is then one folder plus one entry in ``INSTALLED_APPS``: nothing in
``config/`` or in a platform module names it. Installing fills the registries that each
platform app exposes in its ``extensions`` module; every name a product registers is
checked (a duplicate stops the start with a message naming both apps), and all
registries are frozen once the apps are ready (``teranga.core.registry``).

See ``docs/adding-a-product.md`` for the guide, and ``tests/example_product`` for a
minimal product that uses every part of the contract.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from teranga.core.links import LinkKind, link_kind_register
from teranga.core.registry import Registry

if TYPE_CHECKING:
    from teranga.core.holds import HeldOrderKind
    from teranga.platform.imports.extensions import Importer
    from teranga.platform.moderation.extensions import ModerationKind
    from teranga.platform.notifications.extensions import NotificationType, Segment
    from teranga.platform.payments.extensions import Payable, PlanFeature, PlanLimit

_LABEL = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Action:
    """A permission action of the product (``"<label>.…"``): the least organisation role
    that may do it, whether staff may without being members, whether anyone may on a
    verified organisation. Checked with ``organizations.access``."""

    name: str
    min_role: str | None
    staff: bool = False
    public: bool = False


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler runs (exactly one scheduler runs at scale). ``schedule`` takes
    huey's crontab fields (``{"minute": "*/5"}``); ``function`` takes no argument."""

    name: str
    function: Callable[[], Any]
    schedule: Mapping[str, str] = field(default_factory=lambda: {"minute": "*"})


@dataclass(frozen=True)
class ThrottleScope:
    """A DRF throttle scope of the product (``"<label>_…"``) and its default rate; the
    environment variable ``THROTTLE_<SCOPE>`` overrides the rate."""

    name: str
    rate: str

    @property
    def environment_variable(self) -> str:
        return f"THROTTLE_{self.name.upper()}"


@dataclass(frozen=True)
class RootPages:
    """Public pages a product serves at the site's root under a short ``prefix`` of its
    own (``"b"``: ``/b/<slug>/``), outside its ``/<label>/`` pages: the address people
    type or share. ``urls`` is the module of their URL patterns (mounted at
    ``/<prefix>/``). ``host_resolver(host) -> "/<prefix>/…/" or None`` lets host names
    that businesses register serve one of those pages (``teranga.core.hosts``).
    A prefix is a lower-case path segment; two products, a product's label and the
    platform's own first segments (``RESERVED_ROOT_PREFIXES``) never collide."""

    prefix: str
    urls: str
    host_resolver: Callable[[str], str | None] | None = None


#: First path segments the platform serves itself (config/urls.py), never a prefix.
RESERVED_ROOT_PREFIXES = frozenset(
    {
        *("admin", "api", "_allauth", "pay", "o", "invitations", "account", ".well-known"),
        *("health", "metrics", "static", "media", "calendar", "ws", "analytics"),
    }
)
_ROOT_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,19}$")


@dataclass(frozen=True)
class Product:
    """Everything a product contributes to the platform. Names it registers start with its
    label (``"clinic.visit"``, ``"clinic_export"``), so two products never
    collide; every field but ``label`` and ``name`` is optional."""

    #: The app label; also the URL prefix (``/api/v1/<label>/``, ``/<label>/``).
    label: str
    #: Its name for people (a lazy string or plain text).
    name: Any
    #: Module of the REST API's URL patterns, mounted at ``/api/v1/<label>/``.
    api_urls: str | None = None
    #: Module of the product's web pages, mounted at ``/<label>/``.
    page_urls: str | None = None
    actions: Sequence[Action] = ()
    #: Payables by target type (``"<label>.…"``): quote, fulfil, released, refunded.
    payables: Mapping[str, Payable] = field(default_factory=dict)
    notification_types: Sequence[NotificationType] = ()
    #: ``django.urls.path`` patterns under ``ws/``.
    websocket_routes: Sequence[Any] = ()
    broadcast_segments: Mapping[str, Segment] = field(default_factory=dict)
    #: Scheduling engine: ``booking source -> function(booking) -> link``.
    booking_links: Mapping[str, Callable[..., str]] = field(default_factory=dict)
    #: Scheduling engine: ``booking source -> namespace`` of its notices (the product
    #: declares those types too, e.g. with ``scheduling.extensions.notice_types``).
    scheduling_notices: Mapping[str, str] = field(default_factory=dict)
    #: Scheduling engine: ``"<label>.…" -> source(user, starts_from, ends_before)``
    #: returning ``scheduling.extensions.CalendarEntry`` items, merged into the user's
    #: personal agenda (``/api/v1/calendar/entries/``) and personal iCal feed.
    calendar_sources: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    plan_limits: Mapping[str, PlanLimit] = field(default_factory=dict)
    plan_features: Mapping[str, PlanFeature] = field(default_factory=dict)
    #: Inbound SMS: ``handler(from_e164, text, language_hint) -> reply or None``.
    sms_handlers: Mapping[str, Callable[..., str | None]] = field(default_factory=dict)
    #: Moderation rules: ``rule(text, context) -> Verdict`` (``moderation.extensions``), run
    #: on every text checked by ``moderation.services.check`` (chat messages included).
    moderation_rules: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    #: Content kinds its moderators decide on: ``"<label>.…" -> ModerationKind``.
    moderation_kinds: Mapping[str, ModerationKind] = field(default_factory=dict)
    periodic_jobs: Sequence[PeriodicJob] = ()
    throttle_scopes: Sequence[ThrottleScope] = ()
    #: OpenAPI enum names: ``"QueueKindEnum" -> "dotted.path.to.Choices"`` (or the list
    #: of values of a choice set that lives in no module).
    enum_names: Mapping[str, str | Sequence[Any]] = field(default_factory=dict)
    #: The catalogue of the error codes it answers: a ``StrEnum`` of its ``errors.py``
    #: (listed in the OpenAPI; generic codes are ``teranga.core.errors.CoreError``).
    error_codes: type[StrEnum] | None = None
    #: ``loader(password=…) -> [(email, role, organisation)]``, run by ``seed_demo``.
    demo_loader: Callable[..., list[tuple[str, str, str]]] | None = None
    #: Orders with a hold that expires (``teranga.core.holds``), by name (``"<label>.…"``):
    #: the one periodic job ``core.holds_expire`` expires them once their hold ran out.
    held_orders: Mapping[str, HeldOrderKind] = field(default_factory=dict)
    #: What its links point at (``teranga.core.links``, ``"<label>.…"``): every link it
    #: sends is ``object_link(kind, id)`` (or ``public_link(page path)``), never an API path.
    link_kinds: Sequence[LinkKind] = ()
    #: ``() -> [(title, path)]``: pages of the product a visitor may open, listed on the
    #: home page in demo mode (a console, a display board …).
    landing_links: Callable[[], list[tuple[Any, str]]] | None = None
    #: GDPR erasure: ``name -> eraser(*, user)``, run in the erasure's transaction once
    #: the account is anonymised, to remove the product's own personal data of the user.
    user_erasers: Mapping[str, Callable[..., None]] = field(default_factory=dict)
    #: GDPR export: ``name -> exporter(*, user) -> dict``, the product's own personal data
    #: of the user as plain data, included under its name in ``GET /api/v1/me/export/``.
    user_exporters: Mapping[str, Callable[..., dict]] = field(default_factory=dict)
    #: Bulk import (CSV, XLSX): ``"<label>.<kind>" -> imports.extensions.Importer`` (its
    #: columns, a row validator using the product's own rules, a bulk writer), offered at
    #: ``/api/v1/imports/`` to the organisation's managers.
    importers: Mapping[str, Importer] = field(default_factory=dict)
    #: Public pages at the site's root under a prefix of its own (``RootPages``).
    root_pages: Sequence[RootPages] = ()


#: Every installed product, by label (in ``INSTALLED_APPS`` order).
products: Registry[Product] = Registry("product")
#: Every product's periodic jobs, by name (also registered with the task scheduler).
periodic_jobs: Registry[PeriodicJob] = Registry("periodic job")
#: Root page prefixes (``RootPages``), by prefix.
root_pages: Registry[RootPages] = Registry("root page prefix")


def installed_products() -> list[Product]:
    return products.values()


def _own(product: Product, kind: str, name: str, separators: str = ".") -> str:
    """``name`` must be in the product's namespace: ``<label>`` followed by a separator."""
    if not any(name.startswith(f"{product.label}{sep}") for sep in separators):
        raise ImproperlyConfigured(
            f"product {product.label!r}: the {kind} {name!r} must start with "
            f"{' or '.join(product.label + sep for sep in separators)!r}"
        )
    return name


def _own_source(product: Product, source: str) -> str:
    """A booking source is the product's label, or in its namespace."""
    return source if source == product.label else _own(product, "booking source", source)


def _install_throttle_scope(product: Product, scope: ThrottleScope) -> None:
    # DRF reads the rates from this very dict (api_settings.DEFAULT_THROTTLE_RATES), so a
    # scope added here is known to every throttle. A rate already configured (settings,
    # tests) wins over the environment, which wins over the product's default.
    rates = settings.REST_FRAMEWORK.setdefault("DEFAULT_THROTTLE_RATES", {})
    _own(product, "throttle scope", scope.name, "_")
    rates.setdefault(scope.name, os.environ.get(scope.environment_variable) or scope.rate)


def _install_periodic_job(product: Product, job: PeriodicJob) -> None:
    from huey import crontab
    from huey.contrib.djhuey import db_periodic_task

    name = _own(product, "periodic job", job.name)
    periodic_jobs.register(name, job, origin=product.label)
    db_periodic_task(crontab(**job.schedule), name=name)(job.function)


def install(product: Product) -> None:
    """Register everything ``product`` contributes (called from ``ProductConfig.ready``)."""
    # Imported here, not at the top: a product's apps.py imports this module while the
    # app registry is still loading, before any model may be imported.
    from teranga.core.errors import error_catalogues
    from teranga.core.holds import held_order_register
    from teranga.platform.accounts.extensions import user_erasers, user_exporters
    from teranga.platform.imports.extensions import importer_register
    from teranga.platform.moderation.extensions import moderation_kinds, moderation_rules
    from teranga.platform.notifications.extensions import (
        broadcast_segments,
        notification_type_register,
        sms_inbound_handlers,
    )
    from teranga.platform.organizations.extensions import demo_loaders, register_action
    from teranga.platform.payments.extensions import payables, plan_features, plan_limits
    from teranga.platform.realtime.extensions import register_websocket_routes
    from teranga.platform.scheduling.extensions import (
        booking_links,
        calendar_sources,
        notice_namespaces,
    )

    label = product.label
    if not _LABEL.match(label):
        raise ImproperlyConfigured(f"a product label is lower_snake_case, not {label!r}")
    products.register(label, product, origin=label)
    for action in product.actions:
        register_action(
            _own(product, "action", action.name),
            action.min_role,
            staff=action.staff,
            public=action.public,
            origin=label,
        )
    for name, payable in product.payables.items():
        payables.register(_own(product, "payable", name), payable, origin=label)
    for notification_type in product.notification_types:
        _own(product, "notification type", notification_type.name)
        notification_type_register(notification_type)
    register_websocket_routes(product.websocket_routes, origin=label)
    for name, segment in product.broadcast_segments.items():
        broadcast_segments.register(_own(product, "broadcast segment", name), segment, origin=label)
    for source, link in product.booking_links.items():
        booking_links.register(_own_source(product, source), link, origin=label)
    for source, namespace in product.scheduling_notices.items():
        notice_namespaces.register(_own_source(product, source), namespace, origin=label)
    for name, source in product.calendar_sources.items():
        calendar_sources.register(_own(product, "calendar source", name), source, origin=label)
    for key, limit in product.plan_limits.items():
        plan_limits.register(key, limit, origin=label)
    for key, feature in product.plan_features.items():
        plan_features.register(key, feature, origin=label)
    for name, handler in product.sms_handlers.items():
        sms_inbound_handlers.register(name, handler, origin=label)
    for name, rule in product.moderation_rules.items():
        moderation_rules.register(_own(product, "moderation rule", name), rule, origin=label)
    for name, kind in product.moderation_kinds.items():
        moderation_kinds.register(_own(product, "moderation kind", name), kind, origin=label)
    for job in product.periodic_jobs:
        _install_periodic_job(product, job)
    for scope in product.throttle_scopes:
        _install_throttle_scope(product, scope)
    overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
    for enum_name, choices in product.enum_names.items():
        if overrides.get(enum_name, choices) != choices:
            raise ImproperlyConfigured(f"OpenAPI enum name {enum_name!r} is declared twice")
        overrides[enum_name] = choices
    if product.error_codes is not None:
        if not (isinstance(product.error_codes, type) and issubclass(product.error_codes, StrEnum)):
            raise ImproperlyConfigured(f"product {label!r}: error_codes must be a StrEnum")
        error_catalogues.register(label, product.error_codes, origin=label)
    if product.demo_loader is not None:
        demo_loaders.register(label, product.demo_loader, origin=label)
    for name, eraser in product.user_erasers.items():
        user_erasers.register(_own(product, "user eraser", name), eraser, origin=label)
    for name, exporter in product.user_exporters.items():
        user_exporters.register(_own(product, "user exporter", name), exporter, origin=label)
    for name, kind in product.held_orders.items():
        held_order_register(_own(product, "held order kind", name), kind, origin=label)
    for name, importer in product.importers.items():
        importer_register(_own(product, "importer", name), importer, origin=label)
    for kind in product.link_kinds:
        _own(product, "link kind", kind.name)
        link_kind_register(kind, origin=label)
    for pages in product.root_pages:
        _install_root_pages(product, pages)


def _install_root_pages(product: Product, pages: RootPages) -> None:
    from teranga.core.hosts import host_resolvers

    prefix = pages.prefix
    if not _ROOT_PREFIX.match(prefix) or prefix in RESERVED_ROOT_PREFIXES:
        raise ImproperlyConfigured(
            f"product {product.label!r}: the root page prefix {prefix!r} is not a free "
            "lower-case path segment"
        )
    # A product's label is its own prefix (/<label>/): no other product may take it.
    clash = products.get(prefix) if prefix in products else None
    if clash is not None and clash.label != product.label:
        raise ImproperlyConfigured(
            f"product {product.label!r}: the root page prefix {prefix!r} is the label of "
            f"product {clash.label!r}"
        )
    root_pages.register(prefix, pages, origin=product.label)
    if pages.host_resolver is not None:
        host_resolvers.register(prefix, pages.host_resolver, origin=product.label)


class ProductConfig(AppConfig):
    """The ``AppConfig`` of a product: ``ready()`` imports ``<app>.product`` and installs
    what its ``product()`` returns. Override ``ready`` only to call ``super().ready()``."""

    default_auto_field = "django.db.models.BigAutoField"
    #: Not a candidate itself when Django looks for the AppConfig in a product's apps.py
    #: (which imports it); each subclass is (``__init_subclass__``).
    default = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.default = cls.__dict__.get("default", True)

    def ready(self) -> None:
        module = importlib.import_module(f"{self.name}.product")
        product = module.product()
        if product.label != self.label:
            raise ImproperlyConfigured(
                f"{self.name}.product declares the label {product.label!r}, "
                f"but the app's label is {self.label!r}"
            )
        install(product)


def product_urlpatterns(kind: str) -> list:
    """URL patterns of every installed product: ``kind`` is ``"api"`` (mounted by the
    caller under ``/api/v1/``), ``"pages"`` (under ``/``) or ``"root"`` (each
    ``RootPages`` at ``/<prefix>/``)."""
    from django.urls import include, path

    patterns = []
    if kind == "root":
        for pages in root_pages.values():
            patterns.append(path(f"{pages.prefix}/", include(pages.urls)))
        for product in installed_products():
            if product.label in root_pages:
                raise ImproperlyConfigured(
                    f"the root page prefix {product.label!r} is also a product's label"
                )
        return patterns
    for product in installed_products():
        module = product.api_urls if kind == "api" else product.page_urls
        if module:
            patterns.append(path(f"{product.label}/", include(module)))
    return patterns
