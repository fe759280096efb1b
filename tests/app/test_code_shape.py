"""The code's shape, checked: one layout per area, each rule in one place, no import cycle.

The layer contracts (demo -> survey_app -> analysis -> questionnaires) are import-linter's, in
``pyproject.toml``, run by ``make test``; these tests check what it does not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("survey_app", "analysis", "questionnaires", "demo")
APP = ROOT / "survey_app"


def python_files(*packages: str) -> list[Path]:
    return sorted(p for name in packages for p in (ROOT / name).rglob("*.py")
                  if "migrations" not in p.parts)


def import_cycles(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (strongly
    connected components of the module import graph, function-level imports included)."""
    import sys

    import grimp
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    sys.path.insert(0, str(root))
    try:
        graph = grimp.build_graph(*packages, cache_dir=None)
    finally:
        sys.path.remove(str(root))
    modules = sorted(graph.modules)
    index = {m: i for i, m in enumerate(modules)}
    edges = [(index[m], index[t]) for m in modules
             for t in graph.find_modules_directly_imported_by(m) if t in index]
    rows, cols = zip(*edges, strict=True) if edges else ((), ())
    matrix = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(modules),) * 2)
    count, labels = connected_components(matrix, directed=True, connection="strong")
    groups = [[modules[i] for i in np.flatnonzero(labels == c)] for c in range(count)]
    return [g for g in groups if len(g) > 1]


def test_no_module_imports_itself_through_others():
    assert import_cycles() == []


def test_the_cycle_check_finds_a_planted_cycle(tmp_path):
    """The check above could fail: two modules that import each other are found."""
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from planted import b\n")
    (package / "b.py").write_text("from planted import a\n")
    (package / "c.py").write_text("from planted import a\n")
    assert import_cycles(tmp_path, ("planted",)) == [["planted.a", "planted.b"]]


def test_every_area_has_the_same_layout():
    """Routes live in views.py; no package's __init__ holds routes; no file is util.py."""
    assert not list(ROOT.glob("**/util.py")) or all(".venv" in p.parts
                                                   for p in ROOT.glob("**/util.py"))
    for init in APP.rglob("__init__.py"):
        text = init.read_text(encoding="utf-8")
        assert "Blueprint(" not in text and ".route(" not in text, init
    for blueprint in APP.rglob("*.py"):
        text = blueprint.read_text(encoding="utf-8")
        if "Blueprint(" in text:
            assert blueprint.name == "views.py", blueprint


def test_every_can_rule_lives_in_permissions():
    found = []
    for path in python_files("survey_app"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("can_"):
                found.append((path.relative_to(ROOT).as_posix(), node.name))
    stray = [(p, n) for p, n in found
             if p != "survey_app/permissions.py" and not p.startswith("survey_app/models/")]
    assert stray == []


def _area(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "survey_app" and len(parts) > 2 else None


def test_no_area_imports_another_areas_private_names():
    offences = []
    for path in python_files("survey_app"):
        here = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                theirs = _area(node.module)
                if theirs and theirs != _area(here):
                    offences += [(here, node.module, a.name) for a in node.names
                                 if a.name.startswith("_")]
    assert offences == []


def test_one_formula_neutraliser():
    definers = []
    for path in python_files(*PACKAGES):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and "neutralise" in node.name:
                definers.append(path.relative_to(ROOT).as_posix())
    assert set(definers) == {"analysis/spreadsheets.py"}


@pytest.mark.parametrize("pattern", [r"session [0-9]", r"issue [0-9]"])
def test_the_repository_describes_the_product_not_how_it_was_built(pattern):
    import subprocess

    found = subprocess.run(["git", "grep", "-niE", pattern, "--", ".", ":!*.po", ":!*.pot"],
                           cwd=ROOT, capture_output=True, text=True)
    if found.returncode == 128:
        pytest.skip("not a git checkout")
    assert found.stdout == ""


def test_only_the_app_factory_imports_views():
    """An area never imports another area's pages; the factory registers the blueprints."""
    offences = []
    for path in python_files("survey_app", "demo"):
        here = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.ImportFrom) and node.module
                    and node.module.endswith(".views") and here != "survey_app/__init__.py"):
                offences.append((here, node.module))
    assert offences == []
