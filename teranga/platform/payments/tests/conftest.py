from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member

from .payables import ITEMS


class Shop:
    """A verified organisation with staff, a client, and an item to sell."""

    def __init__(self, client_for, make_user, commit):
        self.commit = commit  # runs on-commit callbacks (tasks, deliveries) as a commit would
        self.organization = OrganizationFactory(verification_status="verified")
        self.other = OrganizationFactory(verification_status="verified")
        self.owner = member(self.organization, Role.OWNER)
        self.manager = member(self.organization, Role.MANAGER)
        self.agent = member(self.organization, Role.AGENT)
        self.plain = member(self.organization, Role.MEMBER)
        self.outsider = member(self.other, Role.OWNER)
        self.client = make_user(f"client-{uuid.uuid4().hex[:8]}@example.com")
        self.item = ITEMS.add(self.organization, 15000)
        self.api = {
            name: client_for(getattr(self, name))
            for name in ("owner", "manager", "agent", "plain", "outsider", "client")
        }
        self.api["anonymous"] = APIClient()

    def pay(self, *, provider="sandbox", item=None, key=None, **extra):
        body = {
            "target_type": "tests.item",
            "target_id": item or self.item,
            "provider": provider,
            **extra,
        }
        with self.commit(execute=True):
            return self.api["client"].post(
                "/api/v1/payments/",
                body,
                format="json",
                HTTP_IDEMPOTENCY_KEY=key or f"key-{uuid.uuid4().hex}",
            )

    def call(self, method, *args, **kwargs):
        """Any request, with its on-commit work (tasks) run as after a real commit."""
        with self.commit(execute=True):
            return method(*args, **kwargs)


@pytest.fixture
def shop(db, client_for, make_user, django_capture_on_commit_callbacks):
    return Shop(client_for, make_user, django_capture_on_commit_callbacks)
