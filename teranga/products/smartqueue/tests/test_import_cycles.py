"""SmartQueue's modules import one another without cycles, counting the imports made
inside functions (grimp reads those too), and its selectors never import its services.

A cycle closed by an import inside a function works until someone moves the import;
it also hides which module depends on which. Where Django's app loading ever requires
an import inside a function, add it to :data:`ALLOWED` with the reason.
"""

from __future__ import annotations

import grimp
import pytest

PACKAGE = "teranga.products.smartqueue"

#: ``(importer, imported)`` imports allowed to close a cycle, each with its reason.
ALLOWED: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def graph():
    # No cache: the test reads the tree as it is and writes nothing into it.
    return grimp.build_graph("teranga", cache_dir=None)


def _imports(graph) -> dict[str, set[str]]:
    """Each module of the package and the modules of the package it imports."""
    modules = graph.find_descendants(PACKAGE) | {PACKAGE}
    return {
        module: {
            imported
            for imported in graph.find_modules_directly_imported_by(module)
            if imported in modules and (module, imported) not in ALLOWED
        }
        for module in modules
    }


def _path(imports: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """A chain of imports from ``start`` to ``goal`` within the package (breadth first,
    so the shortest), or None."""
    previous: dict[str, str | None] = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for imported in sorted(imports[module]):
                if imported in previous:
                    continue
                previous[imported] = module
                if imported == goal:
                    chain = [imported]
                    while previous[chain[-1]] is not None:
                        chain.append(previous[chain[-1]])
                    return chain[::-1]
                following.append(imported)
        frontier = following
    return None


def _short(module: str) -> str:
    return module.removeprefix(PACKAGE + ".")


def test_no_import_cycle_in_smartqueue(graph):
    imports = _imports(graph)
    assert len(imports) > 50  # the whole package was read
    cycles = []
    for module in sorted(imports):
        for imported in sorted(imports[module]):
            back = _path(imports, imported, module) if imported != module else [module]
            if back is not None:
                cycles.append(" -> ".join(_short(m) for m in [module, *back]))
                break
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_selectors_never_import_services(graph):
    selectors = graph.find_descendants(f"{PACKAGE}.selectors")
    services = graph.find_descendants(f"{PACKAGE}.services") | {f"{PACKAGE}.services"}
    found = sorted(
        f"{_short(selector)} -> {_short(imported)}"
        for selector in selectors
        for imported in graph.find_modules_directly_imported_by(selector) & services
    )
    assert found == [], "selectors importing services:\n" + "\n".join(found)
