"""SmartQueue's demo data (filled in by the demo work)."""


def load(*, password: str) -> list[tuple[str, str, str]]:
    return []
