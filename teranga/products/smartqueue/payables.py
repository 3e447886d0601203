"""Paid tickets and paid appointments (filled in by the appointments work)."""
