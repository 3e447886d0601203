"""The console and board pages: served, French, external scripts only (CSP), and the
board only for an active branch of a verified organisation."""

from __future__ import annotations

import uuid

import pytest

from teranga.platform.organizations.models import VerificationStatus

pytestmark = pytest.mark.django_db


def test_console_page(client):
    response = client.get("/smartqueue/console/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Appeler le suivant", "Rappeler", "Commencer", "Terminer", "Absent"):
        assert label in html
    assert "Transférer" in html and "Mettre en attente" in html
    assert "/static/smartqueue/console.js" in html
    assert "<script>" not in html  # no inline script: the CSP stays strict


def test_display_page(client, bank):
    response = client.get(f"/smartqueue/display/{bank.branch.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Agence Plateau" in html and "Banque Teranga" in html
    assert "Numéro" in html and "Guichet" in html and "Derniers appels" in html
    assert f'data-branch="{bank.branch.pk}"' in html
    assert "Nimero" not in html
    assert "/static/smartqueue/display.js" in html
    assert "<script>" not in html
    wolof = client.get(f"/smartqueue/display/{bank.branch.pk}/?wo=1").content.decode()
    assert "Nimero" in wolof and "Woo yi mujj" in wolof


def test_display_page_404s(client, bank):
    assert client.get(f"/smartqueue/display/{uuid.uuid4()}/").status_code == 404
    assert client.get("/smartqueue/display/not-a-uuid/").status_code == 404
    bank.other.verification_status = VerificationStatus.PENDING
    bank.other.save(update_fields=["verification_status"])
    assert client.get(f"/smartqueue/display/{bank.other_branch.pk}/").status_code == 404
    bank.branch.is_active = False
    bank.branch.save(update_fields=["is_active"])
    assert client.get(f"/smartqueue/display/{bank.branch.pk}/").status_code == 404


def test_pages_refuse_writes(client, bank):
    assert client.post("/smartqueue/console/").status_code == 405
    assert client.post(f"/smartqueue/display/{bank.branch.pk}/").status_code == 405


@pytest.mark.parametrize("name", ["live-socket.js", "display.js", "console.js", "smartqueue.css"])
def test_static_files_are_served(client, name):
    response = client.get(f"/static/smartqueue/{name}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert len(body) > 500


def test_csp_allows_the_sockets_and_scripts_from_self(client, bank):
    response = client.get(f"/smartqueue/display/{bank.branch.pk}/")
    header = response.headers.get("Content-Security-Policy", "")
    # The directives in any order (a page that replaces one may reorder them).
    policy = dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    assert policy["connect-src"] == "'self' ws: wss:"
    assert policy["script-src"] == "'self'"  # and nothing else: no inline script runs
    assert policy["frame-ancestors"] == "'none'"
