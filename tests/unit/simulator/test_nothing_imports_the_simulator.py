"""No code of shared/ or services/ imports the simulator: it is for the demo, tests, benchmarks."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "__import__"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def test_shared_and_services_never_import_the_simulator() -> None:
    offenders = []
    checked = 0
    for folder in ("shared", "services"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            checked += 1
            for name in _imports(path):
                if name == "simulator" or name.startswith("simulator."):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert checked > 50
    assert offenders == []


def test_the_check_sees_an_import_of_the_simulator(tmp_path: Path) -> None:
    module = tmp_path / "sneaky.py"
    module.write_text("from simulator.engine import Simulator\nimport simulator.truth as t\n")
    assert {"simulator.engine", "simulator.truth"} <= _imports(module)
