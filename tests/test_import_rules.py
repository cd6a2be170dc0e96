"""The import rules between apps (pyproject.toml [tool.importlinter], docs/architecture.md)
hold: customers imports neither the engine nor workflows, messaging neither the engine
nor the blocks, the blocks no app, the hand-off no app but common, and the apps sit in
their layers."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULES = {"customers", "messaging", "blocks-import-no-apps", "handoff", "layers"}


def test_every_import_rule_is_declared() -> None:
    from importlinter.api import read_configuration

    contracts = read_configuration(str(ROOT / "pyproject.toml"))["contracts_options"]
    assert {contract.get("id") for contract in contracts} >= RULES


@pytest.mark.parametrize("rule", sorted(RULES))
def test_the_import_rule_holds(rule: str) -> None:
    # lint-imports reads the source, imports nothing: no database or settings needed
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter), "--no-cache", "--contract", rule],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
