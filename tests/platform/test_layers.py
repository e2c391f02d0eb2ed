"""The folders are the pipeline: core/ serves everyone, services/ and worker/
build on core/ and never on each other's insides, so a change in one stage
cannot break another through a side door (and the API processes do not load
the worker's media code, nor the worker the web routes)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Which top-level packages a package may import from.
ALLOWED = {
    "core": {"core"},
    "services": {"core", "services"},
    "worker": {"core", "worker", "services"},
}
#: worker/ still reads a few things from services/ (object-key layout, case life);
#: it may never import a router.
WORKER_MAY_NOT = ("router", "routes")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_stage_imports_only_what_lies_below_it(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name in _imports(path):
            top = name.split(".", 1)[0]
            if top in ALLOWED and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
            if package == "worker" and top == "services" and name.endswith(WORKER_MAY_NOT):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []
