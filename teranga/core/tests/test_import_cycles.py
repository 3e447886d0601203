"""No import cycle among the modules of Teranga: core, the product contract, every
platform app and every product (issue "Platform: one contract for plugging in a
product", part 6).

The graph is grimp's (the library under import-linter). grimp cannot tell an import at
the top of a module from one inside a function (its ``is_lazy`` is Python's ``lazy
import``, not that), so **every import counts**, wherever it is written: a cycle closed
by an import inside a function works until someone moves the import, and it hides which
module depends on which. Imports under ``if TYPE_CHECKING:`` never run and are left
out. Importing a submodule first runs its package's ``__init__``, which grimp does not
record; the check adds that step, so a cycle through a package's re-exports shows too.

Where Django's app loading requires an import inside a function that closes a cycle,
add it to :data:`ALLOWED` with the reason (imports in ``AppConfig.ready()`` close none:
nothing imports ``apps.py``).
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

_ROOT = Path(__file__).resolve().parents[2]
#: Every package of ours: core, the contract module, each platform app and each product.
APPS = (
    "teranga.core",
    "teranga.platform.contract",
    *sorted(
        f"teranga.{layer}.{path.name}"
        for layer in ("platform", "products")
        for path in (_ROOT / layer).iterdir()
        if (path / "__init__.py").exists()
    ),
)

#: ``(importer, imported)`` imports allowed to close a cycle, each with its reason.
ALLOWED: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def graph():
    # No cache: the test reads the tree as it is and writes nothing into it.
    return grimp.build_graph("teranga", exclude_type_checking_imports=True, cache_dir=None)


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def _imports(graph) -> dict[str, set[str]]:
    """Each module of the apps and the modules of the apps it imports: directly, and
    the packages whose ``__init__`` that import runs first."""
    modules = set()
    for app in APPS:
        modules |= graph.find_descendants(app) | {app}
    imports: dict[str, set[str]] = {}
    for module in modules:
        running = set(_ancestors(module))  # already (being) imported when ``module`` runs
        targets = set()
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in modules or (module, imported) in ALLOWED:
                continue
            targets.add(imported)
            targets |= {
                package
                for package in _ancestors(imported)
                if package in modules and package not in running and package != module
            }
        imports[module] = targets
    return imports


def _cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module, or a module that
    imports itself (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(imports):
        if root in index:
            continue
        work = [(root, iter(sorted(imports[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            module, following = work[-1]
            for imported in following:
                if imported not in index:
                    index[imported] = low[imported] = counter
                    counter += 1
                    stack.append(imported)
                    on_stack.add(imported)
                    work.append((imported, iter(sorted(imports[imported]))))
                    break
                if imported in on_stack:
                    low[module] = min(low[module], index[imported])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1 or module in imports[module]:
                        found.append(sorted(component))
    return found


def _chain(imports: dict[str, set[str]], component: list[str]) -> str:
    """One cycle through the component, shortest first, for the failure message."""
    inside = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for imported in sorted(imports[module] & inside):
                if imported == start:
                    chain = [module]
                    while chain[-1] != start:
                        chain.append(previous[chain[-1]])
                    return " -> ".join([*reversed(chain), start])
                if imported not in previous:
                    previous[imported] = module
                    following.append(imported)
        frontier = following
    return ", ".join(component)


def test_no_import_cycle_anywhere(graph):
    imports = _imports(graph)
    assert len(imports) > 150  # the four apps were read, providers included
    assert "teranga.platform.payments.providers.sandbox" in imports
    cycles = [_chain(imports, component) for component in _cycles(imports)]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_allowed_imports_still_exist(graph):
    stale = [
        f"{importer} -> {imported}"
        for importer, imported in ALLOWED
        if imported not in graph.find_modules_directly_imported_by(importer)
    ]
    assert stale == [], "remove from ALLOWED: " + ", ".join(stale)


def test_every_folder_of_python_modules_is_a_package():
    """A folder without ``__init__.py`` is a namespace package: grimp and import-linter
    do not see its modules, so neither this check nor the contracts would."""
    root = Path(__file__).resolve().parents[3]
    missing = sorted(
        str(folder.relative_to(root))
        for app in APPS
        for folder in [root / app.replace(".", "/"), *(root / app.replace(".", "/")).rglob("*")]
        if folder.is_dir()
        and folder.name != "__pycache__"
        and any(folder.glob("*.py"))
        and not (folder / "__init__.py").exists()
    )
    assert missing == []


def test_the_check_finds_a_cycle_closed_inside_a_function():
    imports = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a"},  # say, ``from a import x`` inside a function of c
        "d": {"a"},
    }
    assert _cycles(imports) == [["a", "b", "c"]]
    assert _chain(imports, ["a", "b", "c"]) == "a -> b -> c -> a"
