"""Payment providers by name. Every adapter registers here when the app starts."""

from __future__ import annotations

from teranga.core.registry import Registry

from .base import ProviderAdapter

payment_providers: Registry[ProviderAdapter] = Registry("payment provider")


def register_builtin_providers() -> None:
    from .sandbox import SandboxProvider

    for adapter in (SandboxProvider(),):
        if adapter.name not in payment_providers:
            payment_providers.register(adapter.name, adapter)
