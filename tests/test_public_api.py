"""Public surfaces (as httpx does it): each package names its API in ``__all__``, every name
there resolves, and code in one top-level package reaches another only through those names
(or through a public module such as ``signing.errors``), never through a private module."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("decree30", "signing", "axis", "documents", "edochub")
#: packages whose ``__init__`` is the way in from other top-level packages
PACKAGES = (
    "decree30", "signing.pades", "signing.stamping", "signing.validation", "signing.reports",
    "signing.agent", "axis.edxml", "axis.protocol", "axis.server", "axis.transports",
    "documents.domain", "documents.services", "documents.adapters", "documents.http",
)
#: modules that are a surface by themselves (one job, nothing private to hide)
PUBLIC_MODULES = (
    "signing.errors", "signing.devpki", "signing.pdf_input", "signing.timestamps",
    "axis.errors", "decree30.errors",
    "edochub.samples", "edochub.demo", "edochub.bootstrap", "edochub.cli",
)


@pytest.mark.parametrize("name", PACKAGES)
def test_every_name_in_all_resolves(name: str) -> None:
    package = importlib.import_module(name)
    exported = package.__all__
    assert exported, f"{name} exports nothing"
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    missing = [item for item in exported if not hasattr(package, item)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


def _surface(module: str) -> str | None:
    """The package or public module an import of ``module`` must go through."""
    if module in PUBLIC_MODULES or module in PACKAGES:
        return module
    return None


def _cross_package_imports() -> list[tuple[str, int, str, str]]:
    found = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        importer = relative.parts[0]
        if importer not in (*TOP_LEVEL, "benchmarks") or "migrations" in relative.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                target = node.module.split(".")[0]
                if target in TOP_LEVEL and target != importer:
                    for alias in node.names:
                        found.append((str(relative), node.lineno, node.module, alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    target = alias.name.split(".")[0]
                    if target in TOP_LEVEL and target != importer and target != alias.name:
                        found.append((str(relative), node.lineno, alias.name, "*"))
    return found


def test_other_packages_import_only_public_names() -> None:
    imports = _cross_package_imports()
    assert imports, "the scan found no import across packages: it is looking in the wrong place"
    wrong = []
    for where, line, module, name in imports:
        if module in TOP_LEVEL and module not in PACKAGES:  # ``from axis import edxml``
            module, name = f"{module}.{name}", "*"
        surface = _surface(module)
        if surface is None:
            wrong.append(f"{where}:{line}: {module} is not a public surface")
            continue
        exported = getattr(importlib.import_module(surface), "__all__", None)
        if name == "*":
            continue
        if name.startswith("_") or (exported is not None and name not in exported):
            wrong.append(f"{where}:{line}: {module}.{name} is not in its __all__")
    assert not wrong, "\n".join(wrong)
