"""Masking of contact details shown to people who may know that someone has one, but not
what it is: ``a***@example.com``, ``+221 ** *** ** 67``.

An email or phone number in an API response is given in full to its owner and to the
organisation staff who need it (a business's staff calling their client), and masked for
everyone else (a client reading who handled their booking, a log reader). Serializers
use :class:`MaskedEmailField` / :class:`MaskedPhoneField` (or :func:`mask_email` /
:func:`mask_phone` in a method field); the audit log masks phones with the same function.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import phonenumbers
from rest_framework import serializers

MASK = "*"


def mask_email(value: Any) -> str:
    """``awa.ndiaye@example.com`` -> ``a***@example.com``; "" for no address."""
    text = str(value or "").strip()
    if not text:
        return ""
    local, _at, domain = text.rpartition("@")
    if not local:
        return MASK * 3
    return f"{local[:1]}{MASK * 3}@{domain}"


def mask_phone(value: Any) -> str:
    """``+221771234567`` -> ``+221 ** *** ** 67``: the country code and the last two
    digits, enough to recognise a number, not to call it; "" for no number."""
    text = value.as_e164 if hasattr(value, "as_e164") else str(value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        return MASK * len(text) if len(text) <= 6 else text[:4] + MASK * (len(text) - 6) + text[-2:]
    shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    prefix = f"+{number.country_code}"
    body = shown[len(prefix) :]
    total = sum(c.isdigit() for c in body)
    seen = 0
    masked = []
    for char in body:
        if char.isdigit():
            seen += 1
            masked.append(char if seen > total - 2 else MASK)
        else:
            masked.append(char)
    return prefix + re.sub(r"[^\d*+ ]", " ", "".join(masked))


class _MaskedField(serializers.CharField):
    """A read-only contact detail, masked unless ``visible(serializer_field, instance)``
    says the reader may see it in full (the default: the serializer's context has
    ``unmasked=True``)."""

    mask: Callable[[Any], str]

    def __init__(self, *, visible: Callable[[Any, Any], bool] | None = None, **kwargs):
        self.visible = visible
        kwargs["read_only"] = True
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        self._instance = instance
        return super().get_attribute(instance)

    def to_representation(self, value):
        if value in (None, ""):
            return None
        instance = getattr(self, "_instance", None)
        shown = self.visible(self, instance) if self.visible else self.context.get("unmasked")
        return (
            str(value.as_e164 if hasattr(value, "as_e164") else value)
            if shown
            else (type(self).mask(value))
        )


class MaskedEmailField(_MaskedField):
    mask = staticmethod(mask_email)


class MaskedPhoneField(_MaskedField):
    mask = staticmethod(mask_phone)
