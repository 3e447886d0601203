"""Under the ASGI server (``make run`` serves with uvicorn) a service called by a view
still finds the request's address and user agent (``audit.context``)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from django.core.asgi import get_asgi_application

from conftest import AUTH, DEFAULT_PASSWORD
from teranga.platform.audit.models import AuditAction, AuditEntry
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import member, organization_with_owner


@pytest.mark.django_db(transaction=True)
def test_role_change_through_asgi_records_address_and_user_agent():
    org, owner = organization_with_owner()
    agent = member(org, Role.AGENT)
    membership = Membership.objects.get(user=agent)

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=get_asgi_application(), client=("198.51.100.40", 51000))
        headers = {"User-Agent": "Teranga-ASGI-Test"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as http:
            login = await http.post(
                f"{AUTH}/auth/login", json={"email": owner.email, "password": DEFAULT_PASSWORD}
            )
            assert login.status_code == 200, login.text
            token = login.json()["meta"]["access_token"]
            return await http.patch(
                f"/api/v1/organizations/{org.pk}/members/{membership.pk}/",
                json={"role": "manager"},
                headers={"Authorization": f"Bearer {token}"},
            )

    response = asyncio.run(run())
    assert response.status_code == 200, response.text
    entry = AuditEntry.objects.get(action=AuditAction.MEMBER_ROLE_CHANGED)
    assert entry.address == "198.51.100.40"
    assert entry.user_agent == "Teranga-ASGI-Test"
    assert entry.actor == owner and entry.before == {"role": "agent"}
    sign_in = AuditEntry.objects.get(action=AuditAction.SIGN_IN)
    assert sign_in.address == "198.51.100.40"
