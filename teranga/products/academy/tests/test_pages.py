"""The academy's dashboard page: server-rendered figures for a signed-in session, a
sign-in shell otherwise, 404 for another organisation and 403 below manager."""

from __future__ import annotations

from django.test import Client

from .factories import enrolled


def test_the_dashboard_page(academy):
    enrolled(academy.member, academy.formation)
    url = f"/academy/dashboard/{academy.org.pk}/"
    shell = Client().get(url)
    assert shell.status_code == 200 and b'data-mode="token"' in shell.content
    assert b"core/vendor/chart.umd.min.js" in shell.content and b"<script>" not in shell.content
    manager = Client()
    manager.force_login(academy.manager)
    page = manager.get(url)
    assert page.status_code == 200 and b'data-mode="session"' in page.content
    assert "Trading Forex — les bases".encode() in page.content
    outsider = Client()
    outsider.force_login(academy.other_manager)
    assert outsider.get(url).status_code == 404
    instructor = Client()
    instructor.force_login(academy.instructor)
    assert instructor.get(url).status_code == 403
