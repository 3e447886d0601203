"""The product contract's root pages (``Product.root_pages``): a product serves public
pages at ``/<prefix>/`` and lets registered host names serve them
(``teranga.core.hosts``). A prefix is a free lower-case path segment: never one of the
platform's own, another product's prefix or another product's label."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import resolve

from teranga.core.hosts import host_resolvers, page_path_for_host
from teranga.core.registry import thawed
from teranga.platform import contract
from teranga.platform.contract import Product, RootPages


def _product(label: str, *pages: RootPages) -> Product:
    return Product(label=label, name=label, root_pages=pages)


def test_installed_root_pages_are_mounted():
    assert "b" in contract.root_pages
    assert resolve("/b/some-business/").url_name == "page"


@pytest.mark.parametrize("prefix", ["admin", "api", "static", "Bad", "with/slash", "", "x" * 21])
def test_a_prefix_must_be_free_and_well_formed(prefix):
    with (
        thawed(contract.products, contract.root_pages, host_resolvers),
        pytest.raises(ImproperlyConfigured),
    ):
        contract.install(_product("rootpages_a", RootPages(prefix, "tests.urls_unused")))


def test_two_products_cannot_share_a_prefix():
    with (
        thawed(contract.products, contract.root_pages, host_resolvers),
        pytest.raises(ImproperlyConfigured, match="rootpages_b"),
    ):
        contract.install(_product("rootpages_b", RootPages("b", "tests.urls_unused")))


def test_a_prefix_cannot_be_another_products_label():
    with (
        thawed(contract.products, contract.root_pages, host_resolvers),
        pytest.raises(ImproperlyConfigured, match="label"),
    ):
        contract.install(_product("rootpages_c", RootPages("booking", "tests.urls_unused")))


def test_an_unregistered_host_is_refused_and_a_resolved_one_serves_only_its_page(db):
    assert Client(HTTP_HOST="nobody.example.org").get("/").status_code == 400
    assert page_path_for_host("nobody.example.org") is None
    with thawed(host_resolvers):
        host_resolvers.register(
            "test", lambda host: "/b/nowhere/" if host == "t.example.org" else None
        )
        client = Client(HTTP_HOST="t.example.org")
        # Accepted, moved under the page's path (an unknown page: 404, not 400).
        assert client.get("/").status_code == 404
        assert client.get("/admin/").status_code == 404
    # The site's own hosts are untouched.
    assert Client().get("/health/live/").status_code == 200
