"""Shared building blocks with no domain: base model, errors, pagination, money, i18n."""
