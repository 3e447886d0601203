"""Payment providers by name. Every adapter registers here when the app starts."""

from __future__ import annotations

from teranga.core.registry import Registry

from .base import ProviderAdapter

payment_providers: Registry[ProviderAdapter] = Registry("payment provider")


def register_builtin_providers() -> None:
    from .freemoney import FreeMoneyProvider
    from .orange_money import OrangeMoneyProvider
    from .paypal import PayPalProvider
    from .sandbox import SandboxProvider
    from .stripe import StripeProvider
    from .wave import WaveProvider

    for adapter in (
        SandboxProvider(),
        StripeProvider(),
        PayPalProvider(),
        WaveProvider(),
        OrangeMoneyProvider(),
        FreeMoneyProvider(),
    ):
        if adapter.name not in payment_providers:
            payment_providers.register(adapter.name, adapter)
