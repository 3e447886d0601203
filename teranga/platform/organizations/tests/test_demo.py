import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command

from teranga.platform.organizations.demo import ADMIN_EMAIL, DEFAULT_DEMO_PASSWORD
from teranga.platform.organizations.models import (
    Branch,
    Membership,
    OpeningHours,
    Organization,
    VerificationDecision,
    VerificationStatus,
)

pytestmark = pytest.mark.django_db


def counts():
    return [
        model.objects.count()
        for model in (
            get_user_model(),
            EmailAddress,
            Organization,
            Membership,
            Branch,
            OpeningHours,
            VerificationDecision,
        )
    ]


def test_seed_demo_is_idempotent(capsys, monkeypatch, client_for):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    out = capsys.readouterr().out
    assert (
        ADMIN_EMAIL in out and DEFAULT_DEMO_PASSWORD in out and "banque.owner@teranga.demo" in out
    )

    assert Organization.objects.filter(verification_status=VerificationStatus.VERIFIED).count() >= 5
    assert set(Organization.objects.values_list("kind", flat=True)) >= {
        "bank",
        "hospital",
        "business",
        "university",
        "academy",
    }
    admin = get_user_model().objects.get(email=ADMIN_EMAIL)
    assert admin.is_staff and admin.is_superuser
    assert not EmailAddress.objects.filter(verified=False).exists()
    salon = Organization.objects.get(slug="salon-ndeye")
    assert salon.region.code == "TH"
    assert OpeningHours.objects.filter(branch__organization=salon).count() == 6
    # the demo logins work with the demo password
    owner = get_user_model().objects.get(email="banque.owner@teranga.demo")
    assert (
        client_for(owner, DEFAULT_DEMO_PASSWORD).get("/api/v1/organizations/mine/").status_code
        == 200
    )


def test_demo_password_from_environment(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "Autre-Mot-2026!")
    call_command("seed_demo")
    assert "Autre-Mot-2026!" in capsys.readouterr().out
    assert (
        get_user_model().objects.get(email="client1@teranga.demo").check_password("Autre-Mot-2026!")
    )
