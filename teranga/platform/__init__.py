"""Capabilities every product uses, one Django app each."""
