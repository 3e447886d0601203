"""Payment providers by name. Every adapter registers here when the app starts."""

from __future__ import annotations

from teranga.core.registry import Registry

from .base import ProviderAdapter

payment_providers: Registry[ProviderAdapter] = Registry("payment provider")


def register_builtin_providers() -> None:
    # Imported here, when the app is ready (``PaymentsConfig.ready`` calls this), not at
    # the top: the sandbox's state is a model, and this module is reached from
    # ``extensions``, which must stay importable while the apps load (no models there).
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
