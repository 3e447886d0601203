"""Phone numbers: the one way every number people type is read (phonenumbers).

A number is read in a region, so that a national number works: "775475688" in SN is
+221775475688, "0612345678" in FR is +33612345678, and a number written with its
country code (+…, 00…) is read as such wherever it comes from. The region is the one of
the person or organisation concerned (:func:`phone_region` picks the first one given
that phonenumbers knows; the accounts and organisations pass theirs), else
``PHONENUMBER_DEFAULT_REGION`` (SN). What is stored is E.164.
"""

from __future__ import annotations

import functools

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from phonenumber_field import modelfields
from phonenumber_field.phonenumber import PhoneNumber, to_python

from teranga.core.errors import CoreError, ValidationFailed


def default_region() -> str:
    return getattr(settings, "PHONENUMBER_DEFAULT_REGION", None) or "SN"


def phone_region(*candidates: str | None) -> str:
    """The first of ``candidates`` (ISO 3166 alpha-2 codes, e.g. a user's country, then
    their organisation's) that phonenumbers knows, else the default region."""
    for candidate in candidates:
        code = str(candidate or "").strip().upper()
        if code in phonenumbers.SUPPORTED_REGIONS:
            return code
    return default_region()


def phone_parse(value, *, region: str | None = None) -> str | None:
    """``value`` as E.164, read in ``region`` (the default region when None); None when
    it is not a valid number."""
    raw = str(value or "").strip()
    if not raw or len(raw) > 64:
        return None
    try:
        number = phonenumbers.parse(raw, phone_region(region))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_e164(value, *, region: str | None = None, field: str = "phone", code=None) -> str:
    """``value`` as E.164 (see :func:`phone_parse`); 400 ``invalid_phone`` (or ``code``)
    naming ``field`` when it is not a valid number."""
    number = phone_parse(value, region=region)
    if number is None:
        message = _("Enter a valid phone number.")
        raise ValidationFailed(
            message, code=code or CoreError.INVALID_PHONE, fields={field: [message]}
        )
    return number


def phone_e164_or_blank(value, *, region: str | None = None, field: str = "phone") -> str:
    """As :func:`phone_e164`, but a blank value (``None``, "") stays ""."""
    if value is None or not str(value).strip():
        return ""
    return phone_e164(value, region=region, field=field)


@functools.lru_cache(maxsize=4096)
def _stored_number(value: str) -> PhoneNumber:
    return to_python(value)


class PhoneNumberField(modelfields.PhoneNumberField):
    """django-phonenumber-field's model field, reading stored numbers from a per-process
    cache: the library parses every number it loads (about 0.3 ms each), which made a list
    that shows 20 users' phones spend most of its time in phonenumbers. A stored value is
    E.164, so the same text always gives the same number; each row gets its own copy.

    Migrations name the library's field (``deconstruct``): the columns are the same, only
    the reading differs."""

    def from_db_value(self, value, expression, connection):
        if not value or not isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        number = PhoneNumber()
        number.merge_from(_stored_number(value))
        return number

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "phonenumber_field.modelfields.PhoneNumberField", args, kwargs
