"""Calendar providers by name: the sandbox (the default), Google and Microsoft."""

from __future__ import annotations

from teranga.core.registry import Registry

from .base import CalendarProvider

calendar_providers: Registry[CalendarProvider] = Registry("calendar provider")


def register_builtin_providers() -> None:
    from .google import GoogleCalendarProvider
    from .microsoft import MicrosoftCalendarProvider
    from .sandbox import SandboxCalendarProvider

    for adapter in (
        SandboxCalendarProvider(),
        GoogleCalendarProvider(),
        MicrosoftCalendarProvider(),
    ):
        if adapter.name not in calendar_providers:
            calendar_providers.register(adapter.name, adapter, origin="calendars")
