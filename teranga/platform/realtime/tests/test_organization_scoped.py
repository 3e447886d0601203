"""``OrganizationScopedConsumer``: access to an organisation's object is decided before
anything is sent — 4404 for no such object or another organisation's, 4403 for a role
too low, 4401 without a token (the object is not even looked up) — and again at every
periodic re-check."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from django.urls import path

from teranga.platform.organizations.models import Branch, Membership, Role
from teranga.platform.organizations.tests.factories import (
    BranchFactory,
    member,
    organization_with_owner,
)
from teranga.platform.realtime.auth import JWTAuthMiddleware
from teranga.platform.realtime.consumers import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_UNAUTHENTICATED,
    OrganizationScopedConsumer,
)
from teranga.platform.realtime.tests.communicator import WebsocketCommunicator, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3
RECHECK = 0.1
ACTION = "organization.update"  # administrators and above


class BranchConsumer(OrganizationScopedConsumer):
    """A socket on one branch, for the administrators of its organisation."""

    auth_recheck_seconds = RECHECK
    branch = None
    checks = 0

    @database_sync_to_async
    def _check(self) -> int | None:
        type(self).checks += 1
        key = self.scope["url_route"]["kwargs"]["branch_id"]
        self.branch = Branch.objects.select_related("organization").filter(pk=key).first()
        return self.close_code_for(self.branch, ACTION)

    async def access_code(self) -> int | None:
        return await self._check()

    async def get_groups(self) -> list[str]:
        return [f"test.branch.{self.branch.pk}"]

    async def get_snapshot(self) -> dict:
        return {"branch": str(self.branch.pk)}


def application():
    return JWTAuthMiddleware(
        URLRouter([path("ws/test/branches/<uuid:branch_id>/", BranchConsumer.as_asgi())])
    )


def socket(branch_id, user=None) -> WebsocketCommunicator:
    query = f"?token={user.token}" if user is not None else ""
    return WebsocketCommunicator(application(), f"/ws/test/branches/{branch_id}/{query}")


@pytest.fixture
def people(client_for):
    organization, _ = organization_with_owner()
    other, _ = organization_with_owner()
    people = {
        "admin": member(organization, Role.ADMIN),
        "plain": member(organization, Role.MEMBER),
        "outsider": member(other, Role.OWNER),
    }
    for person in people.values():
        person.token = client_for(person).tokens["access_token"]
    people["branch"] = BranchFactory(organization=organization)
    BranchConsumer.checks = 0
    return people


async def refused_with(comm) -> int:
    """The close code of a socket accepted then closed at once, with nothing sent."""
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected  # accepted, so that the client sees the code
    message = await comm.receive_output(timeout=TIMEOUT)
    assert message["type"] == "websocket.close", message
    return message["code"]


def test_allowed_user_gets_the_snapshot(people):
    async def body():
        comm = socket(people["branch"].pk, people["admin"])
        connected, _ = await comm.connect(timeout=TIMEOUT)
        assert connected
        snapshot = await comm.receive_json_from(timeout=TIMEOUT)
        assert (snapshot["type"], snapshot["data"]) == (
            "snapshot",
            {"branch": str(people["branch"].pk)},
        )
        await comm.disconnect()

    async_to_sync(body)()
    assert BranchConsumer.checks == 1  # once at connect, not again for the base's authorize


@pytest.mark.parametrize(
    ("who", "code"),
    [("plain", CLOSE_FORBIDDEN), ("outsider", CLOSE_NOT_FOUND)],
)
def test_role_too_low_is_4403_and_another_organisation_4404(people, who, code):
    assert async_to_sync(refused_with)(socket(people["branch"].pk, people[who])) == code


def test_no_such_object_is_4404(people):
    missing = people["branch"].pk
    Branch.objects.filter(pk=missing).delete()
    assert async_to_sync(refused_with)(socket(missing, people["admin"])) == CLOSE_NOT_FOUND


def test_no_token_is_4401_without_looking_the_object_up(people):
    assert async_to_sync(refused_with)(socket(people["branch"].pk)) == CLOSE_UNAUTHENTICATED
    assert BranchConsumer.checks == 0


def test_recheck_closes_a_socket_whose_user_lost_access(people):
    async def body():
        comm = socket(people["branch"].pk, people["admin"])
        connected, _ = await comm.connect(timeout=TIMEOUT)
        assert connected
        assert (await comm.receive_json_from(timeout=TIMEOUT))["type"] == "snapshot"
        # Re-checks pass while access holds: a check at connect, two re-checks that
        # passed, and a third one begun (they run one after the other).
        await wait_until(lambda: BranchConsumer.checks >= 4, TIMEOUT, "two re-checks")
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}  # open
        await database_sync_to_async(Membership.objects.filter(user=people["admin"]).update)(
            role=Role.MEMBER
        )
        message = await comm.receive_output(timeout=TIMEOUT)
        assert message == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}

    async_to_sync(body)()
