"""Masked contact details (teranga.core.masking): the formats, and the serializer fields
that show a value in full only to the readers allowed to see it."""

from __future__ import annotations

from types import SimpleNamespace

from phonenumber_field.phonenumber import PhoneNumber
from rest_framework import serializers

from teranga.core.masking import MaskedEmailField, MaskedPhoneField, mask_email, mask_phone


def test_formats():
    assert mask_email("awa.ndiaye@example.com") == "a***@example.com"
    assert mask_email("") == "" and mask_email(None) == ""
    assert mask_phone("+221771234567") == "+221 ** *** ** 67"
    assert mask_phone(PhoneNumber.from_string("+33612345678")) == "+33 * ** ** ** 78"
    assert mask_phone("") == "" and mask_phone("123") == "***"


class _Contact(serializers.Serializer):
    email = MaskedEmailField(visible=lambda field, obj: field.context["viewer"] == obj.owner)
    phone = MaskedPhoneField()


def test_fields_show_the_owner_in_full_and_mask_for_others():
    row = SimpleNamespace(owner="awa", email="awa@example.com", phone="+221771234567")
    mine = _Contact(row, context={"viewer": "awa", "unmasked": True}).data
    assert mine == {"email": "awa@example.com", "phone": "+221771234567"}
    theirs = _Contact(row, context={"viewer": "bob"}).data
    assert theirs == {"email": "a***@example.com", "phone": "+221 ** *** ** 67"}
    empty = SimpleNamespace(owner="awa", email="", phone=None)
    assert _Contact(empty, context={"viewer": "bob"}).data == {"email": None, "phone": None}
