"""``manage.py serve``: arguments, the banner, and what it hands to uvicorn."""

from __future__ import annotations

import io

import pytest
import uvicorn
from django.core.management import CommandError, call_command


@pytest.fixture
def runs(monkeypatch):
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    return calls


def test_serve_prints_the_banner_and_runs_the_asgi_app(runs, settings, monkeypatch):
    settings.EMBEDDED_WORKER = True
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.setenv("PORT", "8123")
    out = io.StringIO()
    call_command("serve", stdout=out)
    banner = out.getvalue()
    assert "http://127.0.0.1:8123/" in banner
    assert "http://127.0.0.1:8123/api/docs/" in banner
    assert "http://127.0.0.1:8123/admin/" in banner
    assert "embedded" in banner
    ((app, kwargs),) = runs
    assert app == "config.asgi:application"
    assert kwargs["host"] == "127.0.0.1"
    assert kwargs["port"] == 8123
    assert kwargs["lifespan"] == "on"
    assert kwargs["ws"] == "websockets-sansio"
    assert kwargs["proxy_headers"] is True
    assert kwargs["workers"] is None


def test_several_workers_only_at_scale(runs, settings):
    settings.EMBEDDED_WORKER = True
    with pytest.raises(CommandError, match="at-scale"):
        call_command("serve", "--workers", "3", stdout=io.StringIO())
    assert runs == []
    settings.EMBEDDED_WORKER = False
    out = io.StringIO()
    call_command("serve", "--host", "0.0.0.0", "--port", "9000", "--workers", "3", stdout=out)
    assert "at scale" in out.getvalue()
    ((_, kwargs),) = runs
    assert (kwargs["host"], kwargs["port"], kwargs["workers"]) == ("0.0.0.0", 9000, 3)
