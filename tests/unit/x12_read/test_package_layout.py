"""The X12 transaction packages stand alone: none imports another (shared pieces live in
shared/x12/ common modules), so a guide can be read, changed or dropped on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import shared.x12

X12 = Path(shared.x12.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_transaction_package_imports_another() -> None:
    packages = sorted(p for p in X12.iterdir() if p.is_dir() and p.name.startswith("x12_"))
    assert len(packages) >= 10
    crossings = []
    for package in packages:
        for module in package.glob("*.py"):
            for imported in _imports(module):
                parts = imported.split(".")
                if parts[:2] == ["shared", "x12"] and len(parts) > 2:
                    if parts[2].startswith("x12_") and parts[2] != package.name:
                        crossings.append(f"{package.name}/{module.name} imports {imported}")
    assert crossings == []


def test_the_837_and_claim_status_guides_share_their_loop_shapes() -> None:
    from shared.x12.claim837 import ClaimLoop, ClaimTransaction
    from shared.x12.claim_status import StatusLevelLoop
    from shared.x12.x12_276_005010X212.models import LOOPS as LOOPS_276
    from shared.x12.x12_277_005010X212.models import LOOPS as LOOPS_277
    from shared.x12.x12_277_005010X214.models import LOOPS as LOOPS_277CA
    from shared.x12.x12_837_005010X222A1.models import Loop2300 as Professional2300
    from shared.x12.x12_837_005010X222A1.models import Transaction837P
    from shared.x12.x12_837_005010X223A2.models import Loop2300 as Institutional2300
    from shared.x12.x12_837_005010X223A2.models import Transaction837I

    assert issubclass(Professional2300, ClaimLoop) and issubclass(Institutional2300, ClaimLoop)
    assert issubclass(Transaction837P, ClaimTransaction)
    assert issubclass(Transaction837I, ClaimTransaction)
    assert "2210D" in LOOPS_276 and "2220D" in LOOPS_277 and "2000E" not in LOOPS_277CA
    assert LOOPS_277CA["2200B"].NAME == "Transmission Receipt Control Identifier"
    assert issubclass(LOOPS_277["2000D"], StatusLevelLoop)
