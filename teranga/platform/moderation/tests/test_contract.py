"""Products register moderation rules and kinds through the contract, in their namespace."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from teranga.core.registry import thawed
from teranga.platform import contract
from teranga.platform.contract import Product
from teranga.platform.moderation.extensions import (
    ModerationKind,
    Verdict,
    moderation_kinds,
    moderation_rules,
)
from teranga.platform.moderation.services import check

pytestmark = pytest.mark.django_db


def _kind():
    return ModerationKind(label="Note", moderators_q=lambda user: Q(), on_remove=lambda pk: None)


def test_contract_registers_rules_and_kinds():
    def shouting(text, context):
        return Verdict("flag", "shouting", "clinic") if "!!!" in text else Verdict()

    with thawed(contract.products, moderation_rules, moderation_kinds):
        contract.install(
            Product(
                label="clinicmod",
                name="Clinic",
                moderation_rules={"clinicmod.shouting": shouting},
                moderation_kinds={"clinicmod.note": _kind()},
            )
        )
        assert "clinicmod.note" in moderation_kinds
        verdict = check("hello!!!", kind="clinicmod.note", author=None)
        assert (verdict.action, verdict.code) == ("flag", "clinic")
    assert "clinicmod.shouting" not in moderation_rules
    assert "clinicmod.note" not in moderation_kinds


@pytest.mark.parametrize("field", ["moderation_rules", "moderation_kinds"])
def test_names_outside_the_namespace_stop_the_start(field):
    item = _kind() if field == "moderation_kinds" else (lambda text, context: Verdict())
    with (
        thawed(contract.products, moderation_rules, moderation_kinds),
        pytest.raises(ImproperlyConfigured, match="must start with"),
    ):
        contract.install(Product(label="clinicmod", name="Clinic", **{field: {"other.x": item}}))
