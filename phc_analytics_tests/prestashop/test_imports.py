"""The real PrestaShop adapter does not know the demo shop exists: the composition root
(phc_analytics.resources) chooses between them. Imports are read with ``ast``, transitively
and including the ones inside functions, so a lazy import counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import phc_analytics

PACKAGE_DIR = Path(phc_analytics.__file__).parent
DEMO_SHOP = "phc_analytics.demo_shop"


def source_of(module: str) -> Path | None:
    parts = module.split(".")[1:]
    for candidate in (
        PACKAGE_DIR.joinpath(*parts).with_suffix(".py"),
        PACKAGE_DIR.joinpath(*parts, "__init__.py"),
    ):
        if candidate.exists():
            return candidate
    return None


def direct_imports(module: str, path: Path) -> set[str]:
    """Project modules ``module`` imports, with the packages whose ``__init__`` that runs."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names.add(base)
            # `from package import name` may import the submodule package.name.
            names.update(f"{base}.{alias.name}" for alias in node.names)
    found = set()
    for name in names:
        parts = name.split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {n for n in found if n.startswith("phc_analytics") and source_of(n) is not None}


def import_chains(start: str) -> dict[str, list[str]]:
    """Every project module ``start`` loads, each with the chain of imports that reaches it."""
    chains = {start: [start]}
    pending = [start]
    while pending:
        module = pending.pop()
        for name in direct_imports(module, source_of(module)):
            if name not in chains:
                chains[name] = [*chains[module], name]
                pending.append(name)
    return chains


def prestashop_modules() -> list[str]:
    folder = PACKAGE_DIR / "prestashop"
    return sorted(
        "phc_analytics.prestashop" + ("" if p.stem == "__init__" else f".{p.stem}")
        for p in folder.glob("*.py")
    )


def test_nothing_under_prestashop_imports_the_demo_shop():
    modules = prestashop_modules()
    assert "phc_analytics.prestashop.resource" in modules
    for module in modules:
        for name, chain in import_chains(module).items():
            assert not name.startswith(DEMO_SHOP), " -> ".join(chain)


def test_the_check_sees_the_composition_roots_lazy_import_of_the_demo_shop():
    # phc_analytics.resources imports the demo shop inside a function: the walk must find it,
    # or the test above could pass by not looking.
    assert "phc_analytics.demo_shop.resource" in import_chains("phc_analytics.resources")
